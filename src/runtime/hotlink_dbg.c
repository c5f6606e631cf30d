/*
 * The debugger's half of hotlink's native runtime: "the worker", the thread
 * that runs the debuggee while Node's main thread stays free.
 *
 * Stop protocol: every trap (int3 breakpoints, single-step, interrupts) and
 * fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) raised on the worker is
 * caught by on_worker_signal, which copies the register context into
 * __hotlink_dbg, writes one byte to the notify pipe (Node reads it) and
 * blocks reading the resume pipe (read/write are async-signal-safe). Node
 * may rewrite the saved registers before it resumes; the handler copies them
 * back into the context, so returning from the signal continues exactly
 * there — with the trap flag set for a single step. Faults elsewhere chain
 * to the previous handlers (V8 has its own).
 *
 * The program's exit(), _exit() and atexit() are routed here by the linker,
 * so the program ending ends the worker, not Node.
 *
 * Threads (all-stop, as GDB): the program's pthread_create is routed here
 * (DEBUG_ALIASES), so every program thread has a slot in
 * __hotlink_dbg_threads (GDB's number, tid, pthread_t). A stop on any of
 * them takes the stop lock and parks every other program thread in a
 * SIG_PARK handler that saves its registers (what `thread N` / `bt` read)
 * until the stopped thread is resumed. Watchpoints are hardware breakpoints
 * of perf_event_open with sigtrap: the trap arrives as a SIGTRAP (si_code
 * TRAP_PERF) on the thread that made the access and enters the same stop.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum { STATE_RUNNING = 0, STATE_STOPPED = 1, STATE_EXITED = 2, STATE_KILLED = 3 };
enum { CMD_CONTINUE = 'c', CMD_STEP = 's', CMD_KILL = 'k' };

/* Shared with Node: read while the worker is stopped, registers may be rewritten. */
struct hotlink_dbg {
    int64_t state;
    int64_t signo;
    int64_t code;
    uint64_t addr;   /* si_addr */
    uint64_t gregs[23]; /* ucontext gregs order: r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip eflags csgsfs err trapno oldmask cr2 */
    uint8_t fpregs[512]; /* fxsave layout: x87, mxcsr, st0-7, xmm0-15 */
    int64_t exit_status;
    int64_t tid;
    uint64_t stops;
    int64_t thread; /* GDB's number of the thread that stopped (1: the worker) */
};
struct hotlink_dbg __hotlink_dbg;

static int notify_fd = -1, resume_fd = -1;
static pthread_t worker;
static int worker_started;
static volatile pid_t worker_tid; /* set by the worker itself before it can trap */
static sigjmp_buf worker_base;
static pid_t debugger_pid; /* a different getpid(): we are in a child the program fork()ed */

typedef void (*init_fn)(int, char **, char **);
typedef void (*fini_fn)(void);
typedef int (*main_fn)(int, char **, char **);

static struct {
    main_fn main;
    int argc;
    char **argv;
    init_fn *init;
    size_t ninit;
    fini_fn *fini;
    size_t nfini;
    int stop_at_start;
} launch;

/* ---- The program's threads ---------------------------------------------------- */

#define SIG_PARK (SIGRTMAX - 2) /* not live mode's SIGRTMAX-1: both runtimes are in a debug image, and a thread held here still parks for a publication */
#define MAX_THREADS 256

/* Shared with Node (src/dbg/threads.ts): read while the program is stopped. */
struct dbg_thread {
    int64_t num;        /* GDB's thread number (1: the worker, then in creation order); 0: a free slot */
    int64_t tid;        /* 0 until the thread runs */
    uint64_t handle;    /* its pthread_t */
    int64_t parked;     /* 1 while parked: gregs hold its registers */
    uint64_t gregs[23];
    void *pending;      /* the trap context while the thread waits for the stop lock */
};
struct dbg_thread __hotlink_dbg_threads[MAX_THREADS];
int64_t __hotlink_dbg_nthreads; /* slots in use are below this */
int64_t __hotlink_dbg_highest_thread; /* the highest number given this run (GDB names the stopping thread once it is > 1) */
static volatile int reg_lock, stop_owner, world_stopped, parked_count, release_gen, never;
/* Runs are numbered; the threads of an ended run park for good (a thread cannot be killed alone). */
static volatile int run_id, ended_run = -1;
static volatile int pending_exit; /* 0x100|status: a thread other than the worker called exit() */

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static create_fn real_create;
static pthread_key_t exit_key;

static long futex(volatile int *addr, int op, int val) { return syscall(SYS_futex, addr, op, val, NULL, NULL, 0); }
static pid_t my_tid(void) { return (pid_t)syscall(SYS_gettid); }

/* A spin-and-futex lock usable in signal handlers. */
static void lock(volatile int *l) {
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) futex(l, FUTEX_WAIT_PRIVATE, 1);
}
static void unlock(volatile int *l) {
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
    futex(l, FUTEX_WAKE_PRIVATE, 1);
}

static struct dbg_thread *slot_of(pid_t tid) {
    int64_t n = __atomic_load_n(&__hotlink_dbg_nthreads, __ATOMIC_ACQUIRE);
    for (int64_t i = 0; i < n; i++)
        if (__hotlink_dbg_threads[i].num && __hotlink_dbg_threads[i].tid == tid) return &__hotlink_dbg_threads[i];
    return NULL;
}

static struct dbg_thread *slot_new(void) {
    lock(&reg_lock);
    struct dbg_thread *t = NULL;
    for (int64_t i = 0; i < MAX_THREADS && !t; i++)
        if (!__hotlink_dbg_threads[i].num) t = &__hotlink_dbg_threads[i];
    if (t) {
        memset(t, 0, sizeof *t);
        t->num = ++__hotlink_dbg_highest_thread;
        if (t - __hotlink_dbg_threads >= __hotlink_dbg_nthreads) __hotlink_dbg_nthreads = t - __hotlink_dbg_threads + 1;
    }
    unlock(&reg_lock);
    return t;
}

static void slot_free(struct dbg_thread *t) {
    lock(&reg_lock);
    t->num = 0;
    t->tid = 0;
    unlock(&reg_lock);
}

static void park_forever(void) {
    for (;;) futex(&never, FUTEX_WAIT_PRIVATE, 0);
}

/* SIG_PARK: wait while another thread's stop holds the world; the saved registers are what Node shows. */
static void on_park(int sig, siginfo_t *info, void *uctx) {
    (void)sig;
    (void)info;
    int saved = errno;
    int run = run_id;
    if (ended_run == run) {
        if (my_tid() == worker_tid && pending_exit) siglongjmp(worker_base, pending_exit);
        park_forever();
    }
    int gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
    struct dbg_thread *t = slot_of(my_tid());
    if (!t || !__atomic_load_n(&world_stopped, __ATOMIC_ACQUIRE)) {
        errno = saved;
        return;
    }
    ucontext_t *uc = t->pending ? t->pending : uctx;
    memcpy(t->gregs, uc->uc_mcontext.gregs, sizeof t->gregs);
    t->parked = 1;
    __atomic_add_fetch(&parked_count, 1, __ATOMIC_SEQ_CST);
    futex(&parked_count, FUTEX_WAKE_PRIVATE, 1);
    while (__atomic_load_n(&release_gen, __ATOMIC_ACQUIRE) == gen) futex(&release_gen, FUTEX_WAIT_PRIVATE, gen);
    t->parked = 0;
    if (ended_run == run) {
        if (my_tid() == worker_tid && pending_exit) siglongjmp(worker_base, pending_exit);
        if (my_tid() == worker_tid) siglongjmp(worker_base, 0x200 | SIGKILL);
        park_forever();
    }
    errno = saved;
}

/* Parks every program thread but the caller (a thread that blocks SIG_PARK is waited for 500 ms). */
static void park_others(pid_t self) {
    lock(&reg_lock);
    __atomic_store_n(&parked_count, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&world_stopped, 1, __ATOMIC_SEQ_CST);
    int sent = 0;
    pid_t pid = getpid();
    for (int64_t i = 0; i < __hotlink_dbg_nthreads; i++) {
        struct dbg_thread *t = &__hotlink_dbg_threads[i];
        if (t->num && t->tid && t->tid != self && syscall(SYS_tgkill, pid, t->tid, SIG_PARK) == 0) sent++;
    }
    unlock(&reg_lock);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int p = __atomic_load_n(&parked_count, __ATOMIC_SEQ_CST);
        if (p >= sent) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t left = 500000000 - ((int64_t)(now.tv_sec - t0.tv_sec) * 1000000000 + (now.tv_nsec - t0.tv_nsec));
        if (left <= 0) break;
        struct timespec ts = {0, left};
        syscall(SYS_futex, &parked_count, FUTEX_WAIT_PRIVATE, p, &ts, NULL, 0);
    }
}

static void release_others(void) {
    __atomic_store_n(&world_stopped, 0, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&release_gen, 1, __ATOMIC_SEQ_CST);
    futex(&release_gen, FUTEX_WAKE_PRIVATE, 0x7fffffff);
}

/* The program ended or was killed: its other threads stay parked for good (a thread cannot be killed alone). */
static void stop_other_threads_for_good(void) {
    ended_run = run_id;
    pid_t self = my_tid(), pid = getpid();
    lock(&reg_lock);
    for (int64_t i = 0; i < __hotlink_dbg_nthreads; i++) {
        struct dbg_thread *t = &__hotlink_dbg_threads[i];
        if (t->num && t->tid && t->tid != self) syscall(SYS_tgkill, pid, t->tid, SIG_PARK);
    }
    unlock(&reg_lock);
    release_others();
}

struct tramp {
    void *(*fn)(void *);
    void *arg;
    struct dbg_thread *slot;
    int run;
};

static void on_thread_exit(void *p) { slot_free(p); }

/* Live mode's thread registry (hotlink_live.c, linked in debug images too): reload while running parks every
 * program thread through it. Weak: an image without the live runtime has none. */
void __hotlink_live_adopt_thread(void) __attribute__((weak));
void __hotlink_live_forget_thread(void) __attribute__((weak));

static void *trampoline(void *p) {
    struct tramp t = *(struct tramp *)p;
    free(p);
    t.slot->handle = (uint64_t)pthread_self();
    /* Started while the world is stopped: join it at the release (a stop sees only the threads it parked). */
    for (;;) {
        if (ended_run == t.run || run_id != t.run) park_forever();
        lock(&reg_lock);
        if (!world_stopped) {
            t.slot->tid = my_tid();
            unlock(&reg_lock);
            break;
        }
        int gen = release_gen;
        unlock(&reg_lock);
        while (release_gen == gen && world_stopped) futex(&release_gen, FUTEX_WAIT_PRIVATE, gen);
    }
    pthread_setspecific(exit_key, t.slot);
    if (__hotlink_live_adopt_thread) __hotlink_live_adopt_thread(); /* left by live's TSD destructor at exit */
    return t.fn(t.arg);
}

/* The program's pthread_create (DEBUG_ALIASES): numbered at creation, as GDB numbers threads. */
int __hotlink_dbg_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
    struct tramp *t = malloc(sizeof *t);
    if (!t) return EAGAIN;
    t->fn = fn;
    t->arg = arg;
    t->slot = slot_new();
    t->run = run_id;
    if (!t->slot) {
        free(t);
        return EAGAIN;
    }
    int rc = real_create(th, attr, trampoline, t);
    if (rc != 0) {
        slot_free(t->slot);
        free(t);
    }
    return rc;
}

/*
 * A hardware watchpoint on thread `tid` (and the threads it creates later):
 * type HW_BREAKPOINT_W or HW_BREAKPOINT_RW over [addr, addr+len). The fd, or -errno.
 */
int __hotlink_dbg_watch(int64_t tid, uint64_t addr, int len, int type) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_BREAKPOINT;
    a.size = sizeof a;
    a.bp_type = type;
    a.bp_addr = addr;
    a.bp_len = len;
    a.sample_period = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    a.sigtrap = 1;
    a.remove_on_exec = 1;
    a.inherit = 1;
    a.inherit_thread = 1;
    a.sig_data = addr;
    long fd = syscall(SYS_perf_event_open, &a, (pid_t)tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0 && errno == EINVAL) {
        a.inherit = a.inherit_thread = 0;
        fd = syscall(SYS_perf_event_open, &a, (pid_t)tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    }
    return fd < 0 ? -errno : (int)fd;
}

/* ---- exit, atexit -------------------------------------------------------- */

#define MAX_ATEXIT 1024
static void (*atexit_fns[MAX_ATEXIT])(void);
static int atexit_count;

int __hotlink_dbg_atexit(void (*fn)(void)) {
    if (atexit_count >= MAX_ATEXIT) return -1;
    atexit_fns[atexit_count++] = fn;
    return 0;
}

static void report_end(int state, int status) {
    __hotlink_dbg.state = state;
    __hotlink_dbg.exit_status = status;
    char c = 'x';
    (void)!write(notify_fd, &c, 1);
}

/* exit(): atexit handlers (reverse order), then .fini_array (reverse), flush stdio; end the worker.
 * In a child the program fork()ed, the same exit work ends that process (without Node's exit handlers). */
/* The worker ends with `how`; from another program thread, the worker is made to end and the caller parks for good. */
static void end_worker(int how) {
    if (my_tid() == worker_tid) siglongjmp(worker_base, how);
    pending_exit = how;
    ended_run = run_id;
    release_others();               /* a parked worker wakes and ends */
    pthread_kill(worker, SIG_PARK); /* a running one parks and ends */
    park_forever();
}

void __hotlink_dbg_exit(int status) {
    while (atexit_count > 0) atexit_fns[--atexit_count]();
    for (size_t i = launch.nfini; i-- > 0;) launch.fini[i]();
    fflush(NULL);
    if (getpid() != debugger_pid) syscall(SYS_exit_group, status & 0xff);
    end_worker(0x100 | (status & 0xff));
}

void __hotlink_dbg__exit(int status) {
    if (getpid() != debugger_pid) syscall(SYS_exit_group, status & 0xff);
    end_worker(0x100 | (status & 0xff));
}

/* Where a function called from the debugger returns to: the trap tells Node the call is done. */
__asm__(".text\n"
        ".globl __hotlink_dbg_call_return\n"
        ".type __hotlink_dbg_call_return,@function\n"
        "__hotlink_dbg_call_return:\n"
        "  int3\n"
        "  int3\n"
        ".size __hotlink_dbg_call_return, 2\n");

/* ---- Signals on the worker -------------------------------------------------- */

static const int stop_signals[] = {SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])
static struct sigaction previous[NSTOP];

/* In hotlink_rt.c, which every image links with the debug runtime. */
#include "hotlink_rt.h"
int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

static void chain(int sig, siginfo_t *info, void *uctx) {
    size_t i = 0;
    while (i < NSTOP && stop_signals[i] != sig) i++;
    __hotlink_chain_signal(&previous[i], sig, info, uctx);
}

static void on_worker_signal(int sig, siginfo_t *info, void *uctx) {
    pid_t self = my_tid();
    struct dbg_thread *me = worker_tid ? slot_of(self) : NULL;
    if (!me) {
        chain(sig, info, uctx);
        return;
    }
    ucontext_t *uc = uctx;
    /* One stop at a time; while waiting, a park records this trap's context. */
    me->pending = uctx;
    while (__atomic_exchange_n(&stop_owner, 1, __ATOMIC_ACQUIRE)) futex(&stop_owner, FUTEX_WAIT_PRIVATE, 1);
    me->pending = NULL;
    park_others(self);
    __hotlink_dbg.thread = me->num;
    __hotlink_dbg.signo = sig;
    __hotlink_dbg.code = info->si_code;
    __hotlink_dbg.addr = (uint64_t)(uintptr_t)info->si_addr;
    memcpy(__hotlink_dbg.gregs, uc->uc_mcontext.gregs, sizeof __hotlink_dbg.gregs);
    if (uc->uc_mcontext.fpregs) memcpy(__hotlink_dbg.fpregs, uc->uc_mcontext.fpregs, sizeof __hotlink_dbg.fpregs);
    __hotlink_dbg.stops++;
    __hotlink_dbg.state = STATE_STOPPED;
    char c = 's';
    (void)!write(notify_fd, &c, 1);
    for (;;) {
        char cmd = 0;
        ssize_t n = read(resume_fd, &cmd, 1);
        if (n < 0) continue; /* EINTR */
        if (n == 0 || cmd == CMD_KILL) {
            __hotlink_dbg.state = STATE_KILLED;
            unlock(&stop_owner);
            end_worker(0x200 | (sig & 0xff));
        }
        if (cmd == CMD_CONTINUE || cmd == CMD_STEP) break;
    }
    memcpy(uc->uc_mcontext.gregs, __hotlink_dbg.gregs, sizeof __hotlink_dbg.gregs);
    if (uc->uc_mcontext.fpregs) memcpy(uc->uc_mcontext.fpregs, __hotlink_dbg.fpregs, sizeof __hotlink_dbg.fpregs);
    __hotlink_dbg.state = STATE_RUNNING;
    release_others();
    unlock(&stop_owner);
    /* The trap flag makes the next instruction raise SIGTRAP (TRAP_TRACE). */
    if (__hotlink_dbg.gregs[REG_EFL] & 0x100) return;
}

/*
 * SIGPIPE and SIGXFSZ: Node ignores them, and an ignored signal stays ignored
 * across exec, so the program's children would inherit that. A handler is
 * reset by exec: this one stands in for Node's SIG_IGN (a write elsewhere
 * still just fails with EPIPE/EFBIG) and, on the worker, is the stop a
 * native program under a debugger would get before dying of the signal.
 */
static void on_async_fatal(int sig, siginfo_t *info, void *uctx) {
    if (worker_tid && syscall(SYS_gettid) == worker_tid) {
        on_worker_signal(sig, info, uctx);
    } else if (getpid() != debugger_pid) { /* a child the program fork()ed: the default action */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        __sigaction(sig, &dfl, NULL);
        raise(sig);
    }
}

/*
 * The debugger keeps Node's process-wide handlers (SIGINT, SIGTERM, ...: the
 * REPL needs them), but the program's sigaction() queries see SIG_DFL there,
 * as under GDB, whose inferior is a separate process.
 */
static void adopt_host_signals(void) {
    for (int s = 1; s <= 64; s++) {
        struct sigaction cur;
        if (s == SIGKILL || s == SIGSTOP || __sigaction(s, NULL, &cur) != 0) continue;
        int ours = 0;
        for (size_t i = 0; i < NSTOP; i++) ours |= stop_signals[i] == s;
        if (ours) continue;
        if ((s == SIGPIPE || s == SIGXFSZ) && !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_async_fatal;
            sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
            sigemptyset(&sa.sa_mask);
            __hotlink_own_signal(s, &sa, NULL);
        } else if ((cur.sa_flags & SA_SIGINFO) || (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN)) {
            __hotlink_own_signal(s, &cur, NULL);
        }
    }
}

void __hotlink_standins_to_default(void);
pid_t __fork(void); /* glibc's fork(): `fork` itself is routed here */

/* The program's fork() (DEBUG_ALIASES): the child owns its process, so it gets default dispositions
 * where the debugger's and Node's handlers stood in for them (a breakpoint trap there ends the child). */
pid_t __hotlink_dbg_fork(void) {
    pid_t pid = __fork();
    if (pid == 0) __hotlink_standins_to_default();
    return pid;
}

static void install_handlers(void) {
    static int installed;
    if (installed) return;
    installed = 1;
    adopt_host_signals();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_worker_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    /* Stand-ins for SIG_DFL: the program's sigaction() queries see SIG_DFL (see hotlink_rt.c). */
    for (size_t i = 0; i < NSTOP; i++) __hotlink_own_signal(stop_signals[i], &sa, &previous[i]);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_park;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    __hotlink_own_signal(SIG_PARK, &sa, NULL);
    real_create = (create_fn)dlsym(RTLD_DEFAULT, "pthread_create");
    pthread_key_create(&exit_key, on_thread_exit);
}

/* ---- The worker ------------------------------------------------------------- */

/* hotlink_live.c, when linked (src/dbg/live.ts): the worker is a program thread that a reload's
 * stop-the-world publication parks, like the threads the program creates. */

static void *worker_main(void *unused) {
    (void)unused;
    worker_tid = syscall(SYS_gettid);
    static char altstack[256 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    /* The worker's mask empty (stop signals unblocked), fds 0-2 inheritable, errno 0, glibc's program names. */
    __hotlink_native_process(launch.argc, launch.argv, 0);
    /* Named like the program (threads it creates inherit the name), as GDB's `info threads` shows it natively. */
    prctl(PR_SET_NAME, program_invocation_short_name, 0, 0, 0);
    __hotlink_dbg.tid = worker_tid;
    struct dbg_thread *me = slot_new();
    me->tid = worker_tid;
    me->handle = (uint64_t)pthread_self();
    if (__hotlink_live_adopt_thread) __hotlink_live_adopt_thread();
    int how = sigsetjmp(worker_base, 1);
    if (how == 0) {
        extern char **environ;
        if (launch.stop_at_start) __asm__ volatile("int3");
        errno = 0;
        for (size_t i = 0; i < launch.ninit; i++) launch.init[i](launch.argc, launch.argv, environ);
        __hotlink_dbg_exit(launch.main(launch.argc, launch.argv, environ));
    }
    stop_other_threads_for_good();
    worker_tid = 0;
    if (__hotlink_live_forget_thread) __hotlink_live_forget_thread();
    if (how & 0x100) report_end(STATE_EXITED, how & 0xff);
    else report_end(STATE_KILLED, how & 0xff);
    return NULL;
}

/*
 * Starts the program on a new worker thread with a native-size stack.
 * With stop_at_start, the worker traps before the first constructor.
 */
int __hotlink_dbg_launch(main_fn main_, int argc, char **argv, init_fn *init, size_t ninit, fini_fn *fini, size_t nfini,
                         int notify, int resume, int stop_at_start) {
    notify_fd = notify;
    resume_fd = resume;
    debugger_pid = getpid();
    launch.main = main_;
    launch.argc = argc;
    launch.argv = argv;
    launch.init = init;
    launch.ninit = ninit;
    launch.fini = fini;
    launch.nfini = nfini;
    launch.stop_at_start = stop_at_start;
    atexit_count = 0;
    memset(&__hotlink_dbg, 0, sizeof __hotlink_dbg);
    /* Threads of an earlier run stay parked for good (never woken); the registry starts over. */
    memset(__hotlink_dbg_threads, 0, sizeof __hotlink_dbg_threads);
    __hotlink_dbg_nthreads = 0;
    __hotlink_dbg_highest_thread = 0;
    run_id++;
    pending_exit = 0;
    world_stopped = 0;
    stop_owner = 0;
    /* Line-buffered even into a pipe, so the program's lines interleave with the debugger's transcript. */
    static char outbuf[BUFSIZ];
    setvbuf(stdout, outbuf, _IOLBF, sizeof outbuf);
    install_handlers();
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    struct rlimit rl;
    size_t stack = 8u << 20;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= (1u << 20)) stack = rl.rlim_cur;
    pthread_attr_setstacksize(&attr, stack);
    worker_started = 0;
    worker_tid = 0;
    int rc = real_create(&worker, &attr, worker_main, NULL); /* not the program's (aliased) pthread_create */
    pthread_attr_destroy(&attr);
    if (rc == 0) worker_started = 1;
    return rc;
}

/* Interrupts the running worker (Ctrl-C): it stops with SIGTRAP, si_code SI_TKILL. */
int __hotlink_dbg_interrupt(void) {
    if (!worker_started) return -1;
    return pthread_kill(worker, SIGTRAP);
}

/* Is a notification on `fd` within timeout_ms? (Node then reads a single step's stop without a trip through its event loop.) */
int __hotlink_dbg_poll(int fd, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    int n;
    do n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n > 0;
}

/* Waits for the ended worker thread. */
int __hotlink_dbg_join(void) {
    if (!worker_started) return -1;
    worker_started = 0;
    return pthread_join(worker, NULL);
}
