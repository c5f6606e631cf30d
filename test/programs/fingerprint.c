/* A process fingerprint: what a C program observes about the process it
 * was started in. test/process.test.ts runs it as a gcc-built native binary
 * and under `hotlink run` / `hotlink dbg` with the same environment and
 * stdio, and compares the outputs byte for byte.
 *
 * Printed: errno at entry, argv, the descriptor flags of fds 0-2, the signal
 * mask, every signal's disposition, umask, the locale, the environment
 * (sorted), the resource limits, what children see (system, fork, popen in
 * both directions, with their statuses), and the exit status (FP_EXIT). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
extern char *__progname;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const char *flag_names(int fl) {
    static char buf[128];
    const char *acc = (fl & O_ACCMODE) == O_RDONLY ? "RDONLY" : (fl & O_ACCMODE) == O_WRONLY ? "WRONLY" : "RDWR";
    snprintf(buf, sizeof buf, "%s%s%s", acc, fl & O_NONBLOCK ? "|NONBLOCK" : "", fl & O_APPEND ? "|APPEND" : "");
    return buf;
}

int main(int argc, char **argv) {
    int entry_errno = errno;
    printf("errno at entry: %d\n", entry_errno);

    printf("argc %d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
    printf("__progname = %s\n", __progname);
    printf("program_invocation_name = %s\n", program_invocation_name);
    printf("program_invocation_short_name = %s\n", program_invocation_short_name);

    for (int fd = 0; fd <= 2; fd++) {
        int fdfl = fcntl(fd, F_GETFD);
        int fl = fcntl(fd, F_GETFL);
        if (fdfl < 0) printf("fd %d: closed\n", fd);
        else printf("fd %d: %s %s\n", fd, fdfl & FD_CLOEXEC ? "CLOEXEC" : "inherit", flag_names(fl));
    }

    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    printf("blocked:");
    for (int s = 1; s <= 64; s++)
        if (sigismember(&mask, s) == 1) printf(" %d", s);
    printf("\n");

    printf("dispositions:");
    for (int s = 1; s <= 64; s++) {
        struct sigaction old;
        if (sigaction(s, NULL, &old) != 0) {
            printf(" %d:err", s);
            continue;
        }
        if (old.sa_handler == SIG_DFL) continue;
        printf(" %d:%s", s, old.sa_handler == SIG_IGN ? "IGN" : "HANDLER");
    }
    printf(" (others DFL)\n");
    void (*prev)(int) = signal(SIGINT, SIG_DFL);
    printf("signal(SIGINT) was %s\n", prev == SIG_DFL ? "DFL" : prev == SIG_IGN ? "IGN" : "a handler");

    mode_t um = umask(022);
    umask(um);
    printf("umask %03o\n", (unsigned)um);

    printf("setlocale(LC_ALL, NULL) = %s\n", setlocale(LC_ALL, NULL));
    printf("setlocale(LC_CTYPE, NULL) = %s\n", setlocale(LC_CTYPE, NULL));

    int n = 0;
    while (environ[n]) n++;
    char **env = malloc((n + 1) * sizeof *env);
    memcpy(env, environ, n * sizeof *env);
    qsort(env, n, sizeof *env, cmp);
    printf("environment (%d):\n", n);
    for (int i = 0; i < n; i++) printf("  %s\n", env[i]);

    static const struct { int r; const char *name; } limits[] = {
        {RLIMIT_CPU, "CPU"}, {RLIMIT_FSIZE, "FSIZE"}, {RLIMIT_DATA, "DATA"}, {RLIMIT_STACK, "STACK"},
        {RLIMIT_CORE, "CORE"}, {RLIMIT_RSS, "RSS"}, {RLIMIT_NPROC, "NPROC"}, {RLIMIT_NOFILE, "NOFILE"},
        {RLIMIT_MEMLOCK, "MEMLOCK"}, {RLIMIT_AS, "AS"}, {RLIMIT_LOCKS, "LOCKS"}, {RLIMIT_SIGPENDING, "SIGPENDING"},
        {RLIMIT_MSGQUEUE, "MSGQUEUE"}, {RLIMIT_NICE, "NICE"}, {RLIMIT_RTPRIO, "RTPRIO"}, {RLIMIT_RTTIME, "RTTIME"},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rlimit rl;
        getrlimit(limits[i].r, &rl);
        printf("rlimit %-10s %lld %lld\n", limits[i].name, rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
               rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
    }

    /* What a child sees: its open descriptors and their file status flags. */
    fflush(stdout);
    int st = system("echo system: stdout; echo system: stderr >&2; ls /proc/self/fd | tr '\\n' ' '; echo;"
                    " grep -h flags /proc/self/fdinfo/0 /proc/self/fdinfo/1 /proc/self/fdinfo/2; exit 3");
    printf("system status %d (exit %d)\n", st, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    st = system("trap");
    printf("system(trap) status %d\n", st);
    fflush(stdout);
    st = system("kill -XFSZ $$; echo not killed by SIGXFSZ");
    printf("system(kill -XFSZ) %s %d\n", WIFSIGNALED(st) ? "signaled" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("fork: child writes\n");
        fflush(stdout);
        _exit(5);
    }
    waitpid(pid, &st, 0);
    printf("fork status exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    pid = fork();
    if (pid == 0) {
        raise(SIGUSR1);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("fork+raise(SIGUSR1): %s %d\n", WIFSIGNALED(st) ? "signaled" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));

    FILE *p = popen("echo popen-stderr >&2; echo popen read", "r"); /* stderr first: the order is then fixed */
    char line[256];
    while (p && fgets(line, sizeof line, p)) printf("popen(r) got: %s", line);
    printf("pclose(r) %d\n", p ? pclose(p) : -1);
    fflush(stdout);
    p = popen("sort", "w");
    if (p) {
        fputs("b-popen-write\na-popen-write\n", p);
        printf("pclose(w) %d\n", pclose(p));
    } else {
        printf("popen(w) failed: %s\n", strerror(errno));
    }

    const char *ex = getenv("FP_EXIT");
    return ex ? atoi(ex) : 0;
}
