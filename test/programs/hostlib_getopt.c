/* getopt over argv with Debian's default (PIE) code generation: optind,
 * optarg, opterr, optopt and program_invocation_short_name are libc data
 * reached with R_X86_64_PC32, like stdout and environ. libc's getopt reads
 * and writes the same variables the program sees, and warnx() prints the
 * program_invocation_short_name the program set. */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  int c, verbose = 0;
  const char *out = "-";
  opterr = 0; /* we report unknown options ourselves (libc must see this) */
  while ((c = getopt(argc, argv, "vo:n:")) != -1) {
    switch (c) {
    case 'v': verbose++; break;
    case 'o': out = optarg; break;
    case 'n': printf("n=%ld (optind now %d)\n", strtol(optarg, NULL, 10), optind); break;
    case '?': fprintf(stdout, "unknown option -%c (optopt %d)\n", optopt, optopt); break;
    }
  }
  program_invocation_short_name = "hostlib-getopt";
  printf("%s: verbose=%d out=%s optind=%d/%d opterr=%d\n", program_invocation_short_name, verbose, out, optind, argc, opterr);
  for (int i = optind; i < argc; i++) printf("arg %s\n", argv[i]);
  /* A second scan: resetting optind is how programs restart getopt. */
  optind = 1;
  int n = 0;
  while (getopt(argc, argv, "vo:n:") != -1) n++;
  printf("rescan %d options, optind=%d\n", n, optind);
  fflush(stdout);
  warnx("rescanned %d", n); /* libc reads __progname: the program's copy */
  int env = 0;
  for (char **e = environ; *e; e++) env += strncmp(*e, "HOSTLIB_", 8) == 0;
  setenv("HOSTLIB_SET", "1", 1);
  int env2 = 0;
  for (char **e = environ; *e; e++) env2 += strncmp(*e, "HOSTLIB_", 8) == 0;
  tzset();
  printf("HOSTLIB_ vars %d then %d; timezone %ld daylight %d tzname %s/%s\n", env, env2, timezone, daylight, tzname[0], tzname[1]);
  errno = 0;
  fflush(stdout);
  return verbose;
}
