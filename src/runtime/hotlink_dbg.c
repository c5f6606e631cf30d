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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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
void __hotlink_dbg_exit(int status) {
    while (atexit_count > 0) atexit_fns[--atexit_count]();
    for (size_t i = launch.nfini; i-- > 0;) launch.fini[i]();
    fflush(NULL);
    if (getpid() != debugger_pid) syscall(SYS_exit_group, status & 0xff);
    siglongjmp(worker_base, 0x100 | (status & 0xff));
}

void __hotlink_dbg__exit(int status) {
    if (getpid() != debugger_pid) syscall(SYS_exit_group, status & 0xff);
    siglongjmp(worker_base, 0x100 | (status & 0xff));
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
    if (!worker_tid || syscall(SYS_gettid) != worker_tid) {
        chain(sig, info, uctx);
        return;
    }
    ucontext_t *uc = uctx;
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
            siglongjmp(worker_base, 0x200 | (sig & 0xff));
        }
        if (cmd == CMD_CONTINUE || cmd == CMD_STEP) break;
    }
    memcpy(uc->uc_mcontext.gregs, __hotlink_dbg.gregs, sizeof __hotlink_dbg.gregs);
    if (uc->uc_mcontext.fpregs) memcpy(uc->uc_mcontext.fpregs, __hotlink_dbg.fpregs, sizeof __hotlink_dbg.fpregs);
    __hotlink_dbg.state = STATE_RUNNING;
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
}

/* ---- The worker ------------------------------------------------------------- */

/* hotlink_live.c, when linked (src/dbg/live.ts): the worker is a program thread that a reload's
 * stop-the-world publication parks, like the threads the program creates. */
void __hotlink_live_adopt_thread(void) __attribute__((weak));
void __hotlink_live_forget_thread(void) __attribute__((weak));

static void *worker_main(void *unused) {
    (void)unused;
    worker_tid = syscall(SYS_gettid);
    static char altstack[256 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    /* The worker's mask empty (stop signals unblocked), fds 0-2 inheritable, errno 0, glibc's program names. */
    __hotlink_native_process(launch.argc, launch.argv, 0);
    __hotlink_dbg.tid = worker_tid;
    if (__hotlink_live_adopt_thread) __hotlink_live_adopt_thread();
    int how = sigsetjmp(worker_base, 1);
    if (how == 0) {
        extern char **environ;
        if (launch.stop_at_start) __asm__ volatile("int3");
        errno = 0;
        for (size_t i = 0; i < launch.ninit; i++) launch.init[i](launch.argc, launch.argv, environ);
        __hotlink_dbg_exit(launch.main(launch.argc, launch.argv, environ));
    }
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
    int rc = pthread_create(&worker, &attr, worker_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc == 0) worker_started = 1;
    return rc;
}

/* Interrupts the running worker (Ctrl-C): it stops with SIGTRAP, si_code SI_TKILL. */
int __hotlink_dbg_interrupt(void) {
    if (!worker_started) return -1;
    return pthread_kill(worker, SIGTRAP);
}

/* Waits for the ended worker thread. */
int __hotlink_dbg_join(void) {
    if (!worker_started) return -1;
    worker_started = 0;
    return pthread_join(worker, NULL);
}
