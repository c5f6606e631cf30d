/*
 * Live mode's half of hotlink's native runtime (`hotlink run --watch`,
 * src/live/): the program runs on a native thread of its own, so Node's main
 * thread keeps its event loop for watching, compiling and reloading.
 *
 * - Start: __hotlink_live_start runs the program like __hotlink_start
 *   (hotlink_rt.c) — native process state, constructors, exit(main(...))
 *   with atexit handlers and fini arrays, then _exit with the status — but on
 *   a new thread with a native-size stack. The real exit() ends the process,
 *   as natively.
 * - Threads: the program's pthread_create is routed here (LIVE_ALIASES in
 *   jit.ts), so every program thread is known by its tid.
 * - Stop-the-world publication: __hotlink_live_publish signals every program
 *   thread (SIG_PARK), waits until each is parked in the handler or was off
 *   CPU since the signal (then it can only come back through the handler),
 *   stores the new slot values and releases them. Node's own threads are
 *   never stopped.
 * - Crashes: a fatal signal on a program thread fills __hotlink_crash, writes
 *   one byte to the notify pipe and waits on the resume pipe: Node either
 *   rewrites the registers (rollback: resume on the old code) or ends the
 *   process with the report.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* In hotlink_rt.c, which every image links. */
#include "hotlink_rt.h"

typedef void (*init_fn)(int, char **, char **);
typedef void (*fini_fn)(void);
typedef int (*main_fn)(int, char **, char **);
typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

#define SIG_PARK (SIGRTMAX - 1)

static long futex(volatile int *addr, int op, int val, const struct timespec *ts) {
    return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}
static pid_t my_tid(void) { return (pid_t)syscall(SYS_gettid); }

/* ---- The program's threads --------------------------------------------------- */

#define MAX_THREADS 4096
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile pid_t tids[MAX_THREADS];
static volatile int ntids;
static pthread_key_t exit_key;
static create_fn real_create;
static int end_with_last_thread = 1; /* live mode: the last program thread ending ends the process */

static void reg_add(pid_t t) {
    pthread_mutex_lock(&reg_lock);
    int known = 0;
    for (int i = 0; i < ntids; i++) known |= tids[i] == t;
    if (!known && ntids < MAX_THREADS) tids[ntids++] = t;
    pthread_mutex_unlock(&reg_lock);
}

static void reg_remove(pid_t t) {
    pthread_mutex_lock(&reg_lock);
    for (int i = 0; i < ntids; i++)
        if (tids[i] == t) {
            tids[i] = tids[ntids - 1];
            ntids--;
            break;
        }
    int left = ntids;
    pthread_mutex_unlock(&reg_lock);
    /* The last thread of the program ended (main called pthread_exit): the process exits with 0. */
    if (left == 0 && end_with_last_thread) exit(0);
}

/* Async-signal-safe: a racy read is fine, a thread being added or removed is not running program code. */
static int is_program_thread(pid_t t) {
    int n = ntids;
    for (int i = 0; i < n; i++)
        if (tids[i] == t) return 1;
    return 0;
}

static void set_altstack(void) {
    /* A fatal signal from a stack overflow needs a stack of its own. */
    size_t size = 64 * 1024;
    void *p = malloc(size);
    if (!p) return;
    stack_t ss = {.ss_sp = p, .ss_size = size, .ss_flags = 0};
    sigaltstack(&ss, NULL);
}

static void on_thread_exit(void *unused) {
    (void)unused;
    reg_remove(my_tid());
}

struct tramp {
    void *(*fn)(void *);
    void *arg;
};

static void *trampoline(void *p) {
    struct tramp t = *(struct tramp *)p;
    free(p);
    set_altstack();
    reg_add(my_tid()); /* blocks while a publication holds the registry: the thread is parked from its start */
    pthread_setspecific(exit_key, (void *)1);
    return t.fn(t.arg);
}

/* The program's pthread_create (LIVE_ALIASES). */
int __hotlink_live_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
    struct tramp *t = malloc(sizeof *t);
    if (!t) return EAGAIN;
    t->fn = fn;
    t->arg = arg;
    int rc = real_create(th, attr, trampoline, t);
    if (rc != 0) free(t);
    return rc;
}

/* ---- Parking ------------------------------------------------------------------- */

/*
 * A publication is a round: `round` is odd while it runs. It sends SIG_PARK
 * to every program thread; from then on the thread's next user-mode
 * instruction is on_park's (the kernel delivers a pending, unblocked signal
 * on every return to user mode). So a thread is stopped for the stores once
 * either it has parked in on_park, or it was off CPU at some instant after
 * the signal was sent: then it can only come back through on_park. The
 * second is read from the thread's CPU-time clock (exact to the nanosecond
 * for a running thread, constant while it is off CPU): two equal readings
 * around or after the signal. Threads that were sleeping or waiting for a
 * CPU are thus stopped without waiting for them to be scheduled (which, on a
 * loaded machine, costs a time slice each); only threads running at the
 * signal are waited for, and they take it within microseconds. A late
 * on_park (the round is over) returns at once.
 */
static volatile int round_;
static volatile int parked_round[MAX_THREADS]; /* per registry index: the round the thread parked in */
static volatile int arrivals;                  /* futex: bumped by each park while the publisher sleeps */
static volatile int publisher_waits;
static volatile int sleepers; /* parked threads asleep on `round_` */
#define PARK_SPIN_NS 50000
int64_t __hotlink_live_last_pause_ns;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_park(int sig, siginfo_t *info, void *uctx) {
    (void)sig;
    (void)info;
    (void)uctx;
    int r = __atomic_load_n(&round_, __ATOMIC_ACQUIRE);
    if (!(r & 1)) return; /* a late signal: that publication is over */
    int saved = errno;
    pid_t me = my_tid();
    int n = ntids; /* stable: the publisher holds the registry lock during a round */
    for (int i = 0; i < n; i++)
        if (tids[i] == me) {
            __atomic_store_n(&parked_round[i], r, __ATOMIC_SEQ_CST);
            break;
        }
    if (__atomic_load_n(&publisher_waits, __ATOMIC_SEQ_CST)) {
        __atomic_add_fetch(&arrivals, 1, __ATOMIC_SEQ_CST);
        futex(&arrivals, FUTEX_WAKE_PRIVATE, 1, NULL);
    }
    /* The round is short: wait for its end yielding the CPU (the publisher may need it), then sleep. A sleeper
     * is counted, so the release wakes (a system call per thread, each a cross-CPU wake-up) only when needed. */
    int64_t t0 = now_ns();
    while (__atomic_load_n(&round_, __ATOMIC_ACQUIRE) == r && now_ns() - t0 < PARK_SPIN_NS) sched_yield();
    if (__atomic_load_n(&round_, __ATOMIC_ACQUIRE) == r) {
        __atomic_add_fetch(&sleepers, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&round_, __ATOMIC_SEQ_CST) == r) futex(&round_, FUTEX_WAIT_PRIVATE, r, NULL);
        __atomic_sub_fetch(&sleepers, 1, __ATOMIC_SEQ_CST);
    }
    errno = saved;
}

/* CPU time of thread `tid` of this process, in ns (its per-thread CPUCLOCK_SCHED clock); -1 if it is gone. */
static int64_t thread_cpu_ns(pid_t tid) {
    struct timespec ts;
    clockid_t clk = (clockid_t)((~(unsigned)tid << 3) | 4 /* per thread */ | 2 /* sched */);
    if (syscall(SYS_clock_gettime, clk, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_seen[MAX_THREADS];
static unsigned char stopped[MAX_THREADS];

/*
 * Publishes `n` slot stores (pairs: slot address, value) while every program
 * thread is stopped (above). Returns the number of threads that could not
 * be stopped within the timeout (running with SIG_PARK blocked); the stores
 * are made anyway (each is an atomic 8-byte store). Never called from a
 * program thread.
 */
int __hotlink_live_publish(const uint64_t *pairs, size_t n, int timeout_ms) {
    int64_t t0 = now_ns();
    pthread_mutex_lock(&reg_lock);
    pid_t self = my_tid();
    pid_t pid = getpid();
    int r = __atomic_add_fetch(&round_, 1, __ATOMIC_SEQ_CST);
    int nt = ntids, left = 0;
    for (int i = 0; i < nt; i++) {
        stopped[i] = tids[i] == self;
        if (!stopped[i]) cpu_seen[i] = thread_cpu_ns(tids[i]);
    }
    for (int i = 0; i < nt; i++)
        if (!stopped[i] && syscall(SYS_tgkill, pid, tids[i], SIG_PARK) != 0) stopped[i] = 1; /* gone */
    int64_t deadline = t0 + (int64_t)timeout_ms * 1000000;
    for (int pass = 0;; pass++) {
        left = 0;
        for (int i = 0; i < nt; i++) {
            if (stopped[i]) continue;
            if (__atomic_load_n(&parked_round[i], __ATOMIC_SEQ_CST) == r) {
                stopped[i] = 1;
                continue;
            }
            int64_t c = thread_cpu_ns(tids[i]);
            if (c < 0 || c == cpu_seen[i]) stopped[i] = 1; /* gone, or off CPU since the signal */
            else cpu_seen[i] = c, left++;
        }
        if (!left || now_ns() >= deadline) break;
        if (pass < 8) continue; /* running threads take the signal within microseconds */
        /* Sleep until a thread parks, or 100 us (then look at the clocks again). */
        int a = __atomic_load_n(&arrivals, __ATOMIC_SEQ_CST);
        __atomic_store_n(&publisher_waits, 1, __ATOMIC_SEQ_CST);
        int any = 0;
        for (int i = 0; i < nt && !any; i++) any = !stopped[i] && __atomic_load_n(&parked_round[i], __ATOMIC_SEQ_CST) == r;
        if (!any) {
            struct timespec ts = {0, 100000};
            futex(&arrivals, FUTEX_WAIT_PRIVATE, a, &ts);
        }
        __atomic_store_n(&publisher_waits, 0, __ATOMIC_SEQ_CST);
    }
    for (size_t i = 0; i < n; i++) __atomic_store_n((uint64_t *)(uintptr_t)pairs[2 * i], pairs[2 * i + 1], __ATOMIC_RELEASE);
    __atomic_add_fetch(&round_, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&sleepers, __ATOMIC_SEQ_CST) > 0) futex(&round_, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL);
    pthread_mutex_unlock(&reg_lock);
    __hotlink_live_last_pause_ns = now_ns() - t0;
    return left;
}

/* The number of program threads now. */
int __hotlink_live_threads(void) { return ntids; }

/*
 * The debugger's use of the publication (`hotlink dbg`, src/dbg/live.ts):
 * the threads are tracked and parked the same way, but the program runs on
 * the debugger's worker (hotlink_dbg.c), which adopts itself here, and the
 * debugger keeps its own stop handlers. 0, or an errno.
 */
static void install_park_handler(void);
int __hotlink_live_track(void) {
    static int done;
    if (done) return 0;
    real_create = (create_fn)dlsym(RTLD_DEFAULT, "pthread_create");
    if (!real_create) return ENOSYS;
    pthread_key_create(&exit_key, on_thread_exit);
    end_with_last_thread = 0;
    install_park_handler();
    done = 1;
    return 0;
}

/* A thread the program runs on that it may not have created itself (the debugger's worker; started
 * through the wrapper too when the runtime's pthread_create is routed here): tracked until it ends. */
void __hotlink_live_adopt_thread(void) {
    if (!real_create) return;
    reg_add(my_tid());
    pthread_setspecific(exit_key, (void *)1);
}

/* The adopted thread stops running program code (the worker's program ended). */
void __hotlink_live_forget_thread(void) {
    if (!real_create) return;
    pthread_setspecific(exit_key, NULL);
    reg_remove(my_tid());
}

/* ---- Fatal signals on program threads ------------------------------------------- */

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction previous[NFATAL];
static int notify_fd = -1, resume_fd = -1;
static volatile int crash_busy;

static void on_fatal(int sig, siginfo_t *info, void *uctx) {
    int i = 0;
    while (i < (int)NFATAL && fatal_signals[i] != sig) i++;
    if (!is_program_thread(my_tid())) {
        __hotlink_chain_signal(&previous[i], sig, info, uctx);
        return;
    }
    int saved = errno;
    /* One crash at a time: Node reads one context. */
    while (__atomic_exchange_n(&crash_busy, 1, __ATOMIC_ACQUIRE)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    ucontext_t *uc = uctx;
    __hotlink_crash.signo = sig;
    __hotlink_crash.code = info->si_code;
    __hotlink_crash.addr = (uint64_t)(uintptr_t)info->si_addr;
    __hotlink_crash.pc = uc->uc_mcontext.gregs[REG_RIP];
    __hotlink_crash.sp = uc->uc_mcontext.gregs[REG_RSP];
    __hotlink_crash.fp = uc->uc_mcontext.gregs[REG_RBP];
    memcpy(__hotlink_crash.gregs, uc->uc_mcontext.gregs, sizeof uc->uc_mcontext.gregs);
    char c = 'c';
    if (notify_fd < 0 || write(notify_fd, &c, 1) != 1) {
        static const char msg[] = "hotlink: a thread of the program received a fatal signal\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(128 + sig);
    }
    for (;;) {
        char cmd = 0;
        ssize_t n = read(resume_fd, &cmd, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n == 1 && cmd == 'r') break;
        /* 'k' or a closed pipe: Node ends the process with the report; wait for it. */
        for (;;) pause();
    }
    /* Resume where Node put the registers (the statement to re-execute on the old code). */
    memcpy(uc->uc_mcontext.gregs, __hotlink_crash.gregs, sizeof uc->uc_mcontext.gregs);
    __atomic_store_n(&crash_busy, 0, __ATOMIC_RELEASE);
    errno = saved;
}

/* ---- Program start ----------------------------------------------------------------- */

static struct {
    main_fn main;
    int argc;
    char **argv;
    init_fn *preinit, *init;
    size_t npreinit, ninit;
    fini_fn *fini;
    size_t nfini;
    void (*hook)(void);
} L;
static volatile int started;

static void run_fini(void) {
    for (size_t i = L.nfini; i-- > 0;) L.fini[i]();
}

/* Runs last of the program's exit work: flush, and end the process without Node's exit handlers (hotlink_rt.c). */
static void final_exit(int status, void *unused) {
    (void)unused;
    fflush(NULL);
    if (L.hook) L.hook();
    _exit(status);
}

static void reset_stdio(void) {
    static char inbuf[BUFSIZ], outbuf[BUFSIZ];
    setvbuf(stdin, inbuf, isatty(0) ? _IOLBF : _IOFBF, sizeof inbuf);
    setvbuf(stdout, outbuf, isatty(1) ? _IOLBF : _IOFBF, sizeof outbuf);
    setvbuf(stderr, NULL, _IONBF, 0);
}

static void install_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++) __hotlink_own_signal(fatal_signals[i], &sa, &previous[i]);
    install_park_handler();
}

static void install_park_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_park;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    __hotlink_own_signal(SIG_PARK, &sa, NULL);
}

static void *program_thread(void *unused) {
    (void)unused;
    extern char **environ;
    set_altstack();
    reg_add(my_tid());
    pthread_setspecific(exit_key, (void *)1);
    /* Node's threads (its main thread too) block the process's signals; this thread's mask is empty. */
    __hotlink_native_process(L.argc, L.argv, 1 /* PROCESS_RUN */);
    install_handlers();
    reset_stdio();
    on_exit(final_exit, NULL);
    atexit(run_fini);
    __atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
    futex(&started, FUTEX_WAKE_PRIVATE, 1, NULL);
    char **envp = environ;
    errno = 0;
    for (size_t i = 0; i < L.npreinit; i++) L.preinit[i](L.argc, L.argv, envp);
    for (size_t i = 0; i < L.ninit; i++) L.init[i](L.argc, L.argv, envp);
    exit(L.main(L.argc, L.argv, envp));
}

/*
 * Starts the program on its own thread and returns once it has set up the
 * process (signals, stdio), before its constructors run. 0, or an errno.
 * The calling thread (Node's main thread) then blocks the process's signals
 * except SIGCHLD, which libuv needs for the compiler's exit.
 */
int __hotlink_live_start(main_fn main_, int argc, char **argv, init_fn *preinit, size_t npreinit, init_fn *init, size_t ninit,
                         fini_fn *fini, size_t nfini, void (*hook)(void), int notify, int resume) {
    real_create = (create_fn)dlsym(RTLD_DEFAULT, "pthread_create");
    if (!real_create) return ENOSYS;
    pthread_key_create(&exit_key, on_thread_exit);
    notify_fd = notify;
    resume_fd = resume;
    L.main = main_;
    L.argc = argc;
    L.argv = argv;
    L.preinit = preinit;
    L.npreinit = npreinit;
    L.init = init;
    L.ninit = ninit;
    L.fini = fini;
    L.nfini = nfini;
    L.hook = hook;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    struct rlimit rl;
    size_t stack = 8u << 20;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= (1u << 20)) stack = rl.rlim_cur;
    pthread_attr_setstacksize(&attr, stack);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int rc = real_create(&th, &attr, program_thread, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) return rc;
    while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST)) futex(&started, FUTEX_WAIT_PRIVATE, 0, NULL);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_UNBLOCK, &chld, NULL);
    return 0;
}
