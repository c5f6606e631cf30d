/* The fuzzer's program runner: runs a linked mutant's constructors and main
 * in a fork()ed child, so that whatever the mutated program does (crash,
 * loop, exit, wild writes) happens to a copy of the worker, never to the
 * worker itself. The child gets /dev/null for stdio, no other descriptors,
 * default signal dispositions and an empty mask; it is killed after
 * `limit_ms`. Returns the wait status, or -1 when it had to be killed
 * (timeout), or -2 when fork failed. The mutant's exit, _exit and _Exit are
 * hotlink_fuzz_exit (LinkSession aliases). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char **environ;

/* The mutant's exit/_exit/_Exit are routed here (LinkSession aliases): flush and _exit, never the worker's atexit handlers. */
void hotlink_fuzz_exit(int status) {
  fflush(0);
  syscall(SYS_exit_group, status & 0xff); /* not _exit: that name is routed here */
  for (;;) {}
}

typedef int (*main_fn)(int, char **, char **);
typedef void (*init_fn)(int, char **, char **);

int hotlink_fuzz_run(main_fn main_addr, init_fn *inits, long n_inits, int limit_ms) {
  pid_t pid = fork();
  if (pid < 0) return -2;
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    syscall(SYS_close_range, 3, ~0U, 0);
    for (int s = 1; s < 32; s++) signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    char *argv[] = {"fuzz-mutant", 0};
    for (long i = 0; i < n_inits; i++) inits[i](1, argv, environ);
    hotlink_fuzz_exit(main_addr(1, argv, environ)); /* not exit(): the worker's atexit handlers are Node's */
  }
  int status = 0;
  struct timespec tick = {0, 1000000};
  for (int waited = 0;; waited++) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) return status;
    if (w < 0) return -3;
    if (waited >= limit_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    nanosleep(&tick, 0);
  }
}
