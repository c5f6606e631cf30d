/*
 * hotlink's native runtime, linked into every image by hotlink's own linker
 * (it is compiled once per compiler and cached by content hash).
 *
 * It holds what must be native code: the program start sequence with
 * exit() semantics (preinit/init arrays, main, atexit-registered fini
 * arrays), the fatal-signal guard that turns a crash inside the program into
 * a report instead of killing Node blindly, and __tls_get_addr for the
 * image's own TLS modules (general- and local-dynamic __thread access, with
 * per-thread blocks initialised from the TLS image).
 *
 * Symbols the program may also define are weak, so the program's wins.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "hotlink_rt.h"

/* ---- TLS ---------------------------------------------------------------- */

/* One TLS module per linked batch that defines __thread data. The linker
 * fills a descriptor before it publishes code that can reach it. */
struct hotlink_tls_module {
    const void *image; /* .tdata followed by zeroed .tbss */
    size_t size;
    size_t align;
};

#define HOTLINK_MAX_TLS_MODULES 1024
struct hotlink_tls_module __hotlink_tls_modules[HOTLINK_MAX_TLS_MODULES];

struct tls_index {
    unsigned long module;
    unsigned long offset;
};

struct dtv {
    size_t n;
    void *blocks[];
};

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_free(void *p) {
    struct dtv *d = p;
    for (size_t i = 0; i < d->n; i++) free(d->blocks[i]);
    free(d);
}

static void tls_init_key(void) { pthread_key_create(&tls_key, tls_free); }

static void *tls_block(unsigned long module) {
    pthread_once(&tls_once, tls_init_key);
    struct dtv *d = pthread_getspecific(tls_key);
    if (!d || d->n <= module) {
        size_t n = module + 8;
        struct dtv *nd = calloc(1, sizeof(struct dtv) + n * sizeof(void *));
        if (!nd) abort();
        if (d) {
            memcpy(nd->blocks, d->blocks, d->n * sizeof(void *));
            free(d);
        }
        nd->n = n;
        d = nd;
        pthread_setspecific(tls_key, d);
    }
    if (!d->blocks[module]) {
        const struct hotlink_tls_module *m = &__hotlink_tls_modules[module];
        size_t align = m->align < sizeof(void *) ? sizeof(void *) : m->align;
        void *block = NULL;
        if (posix_memalign(&block, align, m->size ? m->size : 1) != 0) abort();
        memcpy(block, m->image, m->size);
        d->blocks[module] = block;
    }
    return d->blocks[module];
}

void *__tls_get_addr(struct tls_index *ti) {
    struct dtv *d;
    if (__builtin_expect(tls_once != PTHREAD_ONCE_INIT, 1) && (d = pthread_getspecific(tls_key)) != NULL &&
        ti->module < d->n && d->blocks[ti->module])
        return (char *)d->blocks[ti->module] + ti->offset;
    return (char *)tls_block(ti->module) + ti->offset;
}

/* ---- The process a freshly exec'd program finds --------------------------- */

/*
 * The program runs inside Node, which has changed the process before any of
 * our code runs: fds 0-2 are close-on-exec (and O_NONBLOCK once a Node stream
 * touched them), SIGINT/SIGTERM/SIGUSR1 have Node's handlers, SIGPIPE and
 * SIGXFSZ are ignored, and the runtime's own isatty() calls leave errno at
 * ENOTTY. __hotlink_native_process puts back what an exec would give.
 *
 * Not recoverable from inside (Node changes them before any JavaScript
 * runs): SIG_IGN for signals 1-31 given by the parent (Node resets 1-31 at
 * start-up; 34-64 keep theirs), and the RLIMIT_NOFILE soft limit (Node
 * raises it to the hard limit).
 */

/* The real sigaction: `sigaction` and `signal` of the program are routed to
 * the wrappers below by the linker (RUN_ALIASES in jit.ts), the runtimes' own
 * calls must not be. */
int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);
#define real_sigaction __sigaction

/* F_GETFL of fds 0-2 when hotlink started, before a Node stream could set
 * O_NONBLOCK (-1: unknown or closed). Written by the Jit after the link. */
int64_t __hotlink_stdio_flags[3] = {-1, -1, -1};

#define MAXSIG 65
/* Signals where a handler of ours (the crash guard, the debugger's stop
 * handler) stands in for SIG_DFL: the program's sigaction() sees SIG_DFL
 * there, and setting SIG_DFL puts ours back. */
static struct sigaction standin[MAXSIG], before_standin[MAXSIG];
static unsigned char has_standin[MAXSIG];

/* Installs a stand-in handler for `sig`; `old` gets what was there. */
int __hotlink_own_signal(int sig, const struct sigaction *sa, struct sigaction *old) {
    if (sig <= 0 || sig >= MAXSIG) return -1;
    struct sigaction prev;
    if (real_sigaction(sig, sa, &prev) != 0) return -1;
    if (!has_standin[sig]) before_standin[sig] = prev;
    standin[sig] = *sa;
    has_standin[sig] = 1;
    if (old) *old = prev;
    return 0;
}

static int is_standin_handler(const struct sigaction *ours, const struct sigaction *cur) {
    return (cur->sa_flags & SA_SIGINFO) == (ours->sa_flags & SA_SIGINFO) && cur->sa_sigaction == ours->sa_sigaction;
}

static int is_standin(int sig, const struct sigaction *cur) {
    return has_standin[sig] && is_standin_handler(&standin[sig], cur);
}
/* Before the image is unmapped (Jit.free): no process-wide handler may point into it. */
static char guard_altstack[64 * 1024];
void __hotlink_release(void) {
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0 && ss.ss_sp == guard_altstack && !(ss.ss_flags & SS_ONSTACK)) {
        ss.ss_flags = SS_DISABLE;
        sigaltstack(&ss, NULL);
    }
    for (int s = 1; s < MAXSIG; s++) {
        struct sigaction cur;
        if (!has_standin[s]) continue;
        has_standin[s] = 0;
        if (real_sigaction(s, NULL, &cur) == 0 && is_standin_handler(&standin[s], &cur)) real_sigaction(s, &before_standin[s], NULL);
    }
}



/* Every stand-in back to SIG_DFL: for a child the debugged program fork()ed, which owns its process. */
void __hotlink_standins_to_default(void) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < MAXSIG; s++)
        if (has_standin[s]) real_sigaction(s, &dfl, NULL);
}

/* The program's sigaction(). */
int __hotlink_sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
    if (sig <= 0 || sig >= MAXSIG || !has_standin[sig]) return real_sigaction(sig, act, old);
    struct sigaction cur;
    if (real_sigaction(sig, NULL, &cur) != 0) return -1;
    if (act) {
        const struct sigaction *use = act;
        if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL) use = &standin[sig];
        if (real_sigaction(sig, use, NULL) != 0) return -1;
    }
    if (old) {
        if (is_standin(sig, &cur)) {
            memset(old, 0, sizeof *old);
            old->sa_handler = SIG_DFL;
        } else {
            *old = cur;
        }
    }
    return 0;
}

/* The program's signal() (glibc's BSD semantics: SA_RESTART, the signal blocked in its handler). */
typedef void (*sighandler_fn)(int);
sighandler_fn ssignal(int sig, sighandler_fn handler); /* glibc: the same function as signal() */
sighandler_fn __hotlink_signal(int sig, sighandler_fn handler) {
    if (sig <= 0 || sig >= MAXSIG || !has_standin[sig]) return ssignal(sig, handler);
    if (handler == SIG_ERR) {
        errno = EINVAL;
        return SIG_ERR;
    }
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    sigemptyset(&act.sa_mask);
    sigaddset(&act.sa_mask, sig);
    act.sa_flags = SA_RESTART;
    if (__hotlink_sigaction(sig, &act, &old) != 0) return SIG_ERR;
    return old.sa_handler;
}

/* Signals raised by the faulting instruction itself: never blocked in any thread. */
static int is_synchronous(int sig) {
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP || sig == SIGSYS;
}

static volatile int quieted;
static void quiet_this_thread(int sig, siginfo_t *info, void *uctx) {
    (void)sig;
    (void)info;
    /* The mask restored when the handler returns: block every signal a process can be sent,
     * except the synchronous ones and glibc's own two (SIGCANCEL 32, SIGSETXID 33: setuid()
     * in the program signals every thread and waits). */
    uint64_t bits = ~0ull;
    for (int s = 1; s <= 64; s++)
        if (is_synchronous(s) || s == 32 || s == 33) bits &= ~(1ull << (s - 1));
    memcpy(&((ucontext_t *)uctx)->uc_sigmask, &bits, sizeof bits);
    __atomic_add_fetch(&quieted, 1, __ATOMIC_SEQ_CST);
}

/* The signal mask of thread `tid` (SigBlk in /proc), or 0 if unreadable. */
static uint64_t thread_sigblk(long tid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
    FILE *f = fopen(path, "re");
    uint64_t blk = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "SigBlk:", 7) == 0) blk = strtoull(line + 7, NULL, 16);
    fclose(f);
    return blk;
}

/*
 * A signal sent to the process goes to any thread that does not block it.
 * Node's other threads (libuv's pool, V8's platform workers) block nothing,
 * so a handler the program installs could run on one of them and never
 * interrupt the program's own blocking call. Each of them is made to block
 * every asynchronous signal: a handler run once on it (via `helper`, a
 * realtime signal) sets the mask its sigreturn restores.
 */
static void quiet_other_threads(int helper) {
    struct sigaction sa, prev;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = quiet_this_thread;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (real_sigaction(helper, &sa, &prev) != 0) return;
    quieted = 0;
    int sent = 0;
    long self = syscall(SYS_gettid);
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        long tid = strtol(e->d_name, NULL, 10);
        if (tid <= 0 || tid == self) continue;
        if (thread_sigblk(tid) & (1ull << (helper - 1))) continue; /* blocks it already (blocks all, like the inspector's) */
        if (syscall(SYS_tgkill, getpid(), tid, helper) == 0) sent++;
    }
    if (d) closedir(d);
    for (int waited = 0; quieted < sent && waited < 2000; waited++) {
        struct timespec ts = {0, 500000};
        nanosleep(&ts, NULL);
    }
    /* SIG_IGN discards the helper signal wherever it is still pending, then the old disposition returns. */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    real_sigaction(helper, &ign, NULL);
    real_sigaction(helper, &prev, NULL);
}

/* Every disposition as after an exec: SIG_DFL, except SIG_IGN the parent gave (realtime signals; see above). */
static void reset_signal_dispositions(void) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int s = 1; s < MAXSIG; s++) {
        struct sigaction cur;
        if (s == SIGKILL || s == SIGSTOP || real_sigaction(s, NULL, &cur) != 0) continue; /* 32, 33: glibc's, EINVAL */
        if (s >= SIGRTMIN && !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN) continue;
        real_sigaction(s, &dfl, NULL);
    }
}

/* fds 0-2 as an exec leaves them: not close-on-exec, O_NONBLOCK as hotlink was given them. */
static void reset_stdio_fds(int keep_stdin_nonblock) {
    for (int fd = 0; fd <= 2; fd++) {
        int fdfl = fcntl(fd, F_GETFD);
        if (fdfl < 0) continue;
        if (fdfl & FD_CLOEXEC) fcntl(fd, F_SETFD, fdfl & ~FD_CLOEXEC);
        if (__hotlink_stdio_flags[fd] < 0 || (fd == 0 && keep_stdin_nonblock)) continue;
        int fl = fcntl(fd, F_GETFL);
        int want = (fl & ~O_NONBLOCK) | ((int)__hotlink_stdio_flags[fd] & O_NONBLOCK);
        if (fl >= 0 && fl != want) fcntl(fd, F_SETFL, want);
    }
}

enum { PROCESS_RUN = 1 /* the program owns the process: signals too */ };

/*
 * Makes the calling thread's process look like a freshly exec'd one running
 * argv[0]: stdio descriptors, signal dispositions and mask (with `mode`
 * PROCESS_RUN; the debugger keeps Node's process-wide ones), the "C" locale,
 * glibc's program names, errno 0.
 */
void __hotlink_native_process(int argc, char **argv, int mode) {
    reset_stdio_fds(!(mode & PROCESS_RUN));
    if (mode & PROCESS_RUN) {
        quiet_other_threads(SIGRTMAX);
        reset_signal_dispositions();
    }
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    const char *cur = setlocale(LC_ALL, NULL);
    if (!cur || strcmp(cur, "C") != 0) setlocale(LC_ALL, "C");
    if (argc > 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        program_invocation_name = argv[0];
        program_invocation_short_name = slash ? (char *)slash + 1 : argv[0];
        if (mode & PROCESS_RUN) prctl(PR_SET_NAME, program_invocation_short_name, 0, 0, 0);
    }
    errno = 0;
}

/* ---- Program start -------------------------------------------------------- */

typedef void (*init_fn)(int, char **, char **);
typedef void (*fini_fn)(void);
typedef int (*main_fn)(int, char **, char **);

/* crtbegin's __dso_handle: libc_nonshared's atexit() passes it to __cxa_atexit. */
__attribute__((weak, visibility("hidden"))) void *__dso_handle = &__dso_handle;

static fini_fn *fini_array;
static size_t fini_count;
static void (*exit_hook)(void);

static void run_fini(void) {
    for (size_t i = fini_count; i-- > 0;) fini_array[i]();
}

/*
 * Registered first, so it runs last of the program's exit work (after its
 * atexit handlers and the fini arrays): flush stdio, report, and end the
 * process with the program's status *without* running the host's own exit
 * handlers — Node's C++ static destructors would tear down V8 under its
 * still-running worker threads and crash one of them.
 */
static void final_exit(int status, void *unused) {
    (void)unused;
    fflush(NULL);
    if (exit_hook) exit_hook();
    _exit(status);
}

/* ---- Fatal signals ------------------------------------------------------- */

struct hotlink_crash __hotlink_crash;

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction previous[NFATAL];
static sigjmp_buf crash_jmp;
static volatile int in_program;
static pthread_t program_thread;

/*
 * Another image is about to be unmapped (Jit.free): a handler this image saved
 * as the one before its own (to chain to, or to put back) that lies in
 * [lo, hi) is replaced by the one the other image had saved in turn
 * (`gone`, its before-stand-in table), so no chain leads into freed code.
 */
const struct sigaction *__hotlink_saved_handlers(void) { return before_standin; }
static int handler_in(const struct sigaction *a, uintptr_t lo, uintptr_t hi) {
    uintptr_t h = (a->sa_flags & SA_SIGINFO) ? (uintptr_t)a->sa_sigaction : (uintptr_t)a->sa_handler;
    return h >= lo && h < hi;
}
void __hotlink_forget_image(uintptr_t lo, uintptr_t hi, const struct sigaction *gone) {
    for (int s = 1; s < MAXSIG; s++)
        if (has_standin[s] && handler_in(&before_standin[s], lo, hi)) before_standin[s] = gone[s];
    for (size_t i = 0; i < NFATAL; i++)
        if (handler_in(&previous[i], lo, hi)) previous[i] = gone[fatal_signals[i]];
}

/* Hands a signal that is not ours to the handler installed before us (shared with hotlink_dbg.c). */
void __hotlink_chain_signal(const struct sigaction *old, int sig, siginfo_t *info, void *uctx) {
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(sig, info, uctx);
    } else if (old->sa_handler == SIG_DFL) {
        real_sigaction(sig, old, NULL); /* re-raised on return, now fatal */
    } else if (old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
    }
}

static void write_str(const char *s) { (void)!write(2, s, strlen(s)); }

/* ---- Guarded calls (Jit.call) ------------------------------------------------
 *
 * Jit.call enters the image through __hotlink_guarded_call with the target in
 * __hotlink_call_target. The trampoline records a sigsetjmp point, then jumps
 * to the target with the caller's registers and stack arguments untouched and
 * its own return address in place of the caller's. A fatal signal on the
 * calling thread while a guarded call runs longjmps back to that point: the
 * crashed call's frames are abandoned, the call returns 0 to the FFI and
 * __hotlink_call_crashed says why (details in __hotlink_crash). Calls nest
 * (C -> JS callback -> Jit.call) up to CALL_DEPTH; only the thread that made
 * the outermost call is guarded. `hotlink run` does not use it: a crash there
 * ends the process (in_program).
 */
#define CALL_DEPTH 64
struct call_frame {
    uint64_t ret; /* the caller's return address */
    uint64_t sp;  /* the stack pointer at entry (pointing at ret) */
    uint64_t rdi; /* a struct return's hidden pointer: handed back as the result of a crashed call */
    sigjmp_buf jmp;
};
__attribute__((visibility("hidden"))) void *__hotlink_call_target;
int __hotlink_call_crashed;
static struct call_frame call_frames[CALL_DEPTH];
static int call_depth;
static pthread_t call_thread;
static int call_guard_installed;
static void install_call_guard(void);

/* From the trampoline: a frame for this call, or NULL (too deep, another thread): run unguarded. */
__attribute__((visibility("hidden"), used)) void *__hotlink_call_enter(uint64_t sp, uint64_t rdi) {
    if (call_depth >= CALL_DEPTH || (call_depth > 0 && !pthread_equal(pthread_self(), call_thread))) return NULL;
    if (!call_guard_installed) install_call_guard();
    if (call_depth == 0) call_thread = pthread_self();
    struct call_frame *f = &call_frames[call_depth++];
    f->ret = *(uint64_t *)(uintptr_t)sp;
    f->sp = sp;
    f->rdi = rdi;
    return f->jmp;
}

/* The target returned: the caller's return address. */
__attribute__((visibility("hidden"), used)) uint64_t __hotlink_call_leave(void) { return call_frames[--call_depth].ret; }

/* The target crashed (longjmp'ed here): the abandoned call's frame. */
__attribute__((visibility("hidden"), used)) struct call_frame *__hotlink_call_unwound(void) { return &call_frames[--call_depth]; }

#if defined(__x86_64__)
__asm__(
    ".pushsection .text\n"
    ".globl __hotlink_guarded_call\n"
    ".type __hotlink_guarded_call, @function\n"
    "__hotlink_guarded_call:\n"
    "  push %rdi; push %rsi; push %rdx; push %rcx; push %r8; push %r9; push %rax\n"
    "  sub $128, %rsp\n"
    "  movdqu %xmm0, 0(%rsp); movdqu %xmm1, 16(%rsp); movdqu %xmm2, 32(%rsp); movdqu %xmm3, 48(%rsp)\n"
    "  movdqu %xmm4, 64(%rsp); movdqu %xmm5, 80(%rsp); movdqu %xmm6, 96(%rsp); movdqu %xmm7, 112(%rsp)\n"
    "  lea 184(%rsp), %rdi\n" /* the entry sp: 128 + 7 * 8 above */
    "  mov 176(%rsp), %rsi\n"  /* rdi as given */
    "  call __hotlink_call_enter\n"
    "  test %rax, %rax\n"
    "  jz 2f\n"
    "  mov %rax, %rdi\n"
    "  mov $1, %esi\n"
    "  call __sigsetjmp@PLT\n"
    "  test %eax, %eax\n"
    "  jnz 3f\n"
    "  lea 1f(%rip), %r11\n"
    "  mov %r11, 184(%rsp)\n" /* the target returns to 1: */
    "2:\n"
    "  movdqu 0(%rsp), %xmm0; movdqu 16(%rsp), %xmm1; movdqu 32(%rsp), %xmm2; movdqu 48(%rsp), %xmm3\n"
    "  movdqu 64(%rsp), %xmm4; movdqu 80(%rsp), %xmm5; movdqu 96(%rsp), %xmm6; movdqu 112(%rsp), %xmm7\n"
    "  add $128, %rsp\n"
    "  pop %rax; pop %r9; pop %r8; pop %rcx; pop %rdx; pop %rsi; pop %rdi\n"
    "  jmp *__hotlink_call_target(%rip)\n"
    "1:\n" /* returned normally: rsp is the entry sp + 8 */
    "  sub $64, %rsp\n"
    "  mov %rax, 0(%rsp); mov %rdx, 8(%rsp); movdqu %xmm0, 16(%rsp); movdqu %xmm1, 32(%rsp)\n"
    "  call __hotlink_call_leave\n"
    "  mov %rax, %r11\n"
    "  mov 0(%rsp), %rax; mov 8(%rsp), %rdx; movdqu 16(%rsp), %xmm0; movdqu 32(%rsp), %xmm1\n"
    "  add $64, %rsp\n"
    "  jmp *%r11\n"
    "3:\n" /* crashed: back on the trampoline's frame, whose stack contents the call overwrote */
    "  call __hotlink_call_unwound\n"
    "  mov 0(%rax), %r11\n"
    "  mov 8(%rax), %rsp\n"
    "  add $8, %rsp\n"
    "  mov 16(%rax), %rax\n"
    "  xor %edx, %edx\n"
    "  pxor %xmm0, %xmm0; pxor %xmm1, %xmm1\n"
    "  jmp *%r11\n"
    ".size __hotlink_guarded_call, .-__hotlink_guarded_call\n"
    ".popsection\n");
#endif

static void record_crash(int sig, siginfo_t *info, void *uctx) {
    ucontext_t *uc = uctx;
    __hotlink_crash.signo = sig;
    __hotlink_crash.code = info->si_code;
    __hotlink_crash.addr = (uint64_t)(uintptr_t)info->si_addr;
#if defined(__x86_64__)
    __hotlink_crash.pc = uc->uc_mcontext.gregs[REG_RIP];
    __hotlink_crash.sp = uc->uc_mcontext.gregs[REG_RSP];
    __hotlink_crash.fp = uc->uc_mcontext.gregs[REG_RBP];
    memcpy(__hotlink_crash.gregs, uc->uc_mcontext.gregs, sizeof uc->uc_mcontext.gregs);
#elif defined(__aarch64__)
    __hotlink_crash.pc = uc->uc_mcontext.pc;
    __hotlink_crash.sp = uc->uc_mcontext.sp;
    __hotlink_crash.fp = uc->uc_mcontext.regs[29];
#else
    (void)uc;
#endif
}

static void on_fatal(int sig, siginfo_t *info, void *uctx) {
    int i = 0;
    while (i < (int)NFATAL && fatal_signals[i] != sig) i++;
    if (call_depth > 0 && !in_program && pthread_equal(pthread_self(), call_thread)) {
        record_crash(sig, info, uctx);
        __hotlink_call_crashed = sig;
        siglongjmp(call_frames[call_depth - 1].jmp, 1);
    }
    if (!in_program) {
        __hotlink_chain_signal(&previous[i], sig, info, uctx);
        return;
    }
    record_crash(sig, info, uctx);
    if (pthread_equal(pthread_self(), program_thread)) siglongjmp(crash_jmp, 1);
    /* Another thread of the program: the reporter lives on the program's thread,
     * which we cannot reach from here; say what we know and die like the signal would. */
    write_str("hotlink: a thread of the program received a fatal signal\n");
    _exit(128 + sig);
}

/*
 * The fatal-signal handlers, installed once per image (by `run`, or by the first
 * guarded call), and an alternate signal stack for the calling thread: always
 * for `run`, for a guarded call only if the thread has none (a stack overflow in
 * the call is then reported too).
 */
static void install_guard_on(int force_altstack) {
    char *altstack = guard_altstack;
    stack_t cur;
    if (force_altstack || (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE))) {
        stack_t ss = {.ss_sp = altstack, .ss_size = sizeof guard_altstack, .ss_flags = 0};
        sigaltstack(&ss, NULL);
    }
    if (call_guard_installed) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++) __hotlink_own_signal(fatal_signals[i], &sa, &previous[i]);
    call_guard_installed = 1;
}
static void install_guard(void) { install_guard_on(1); }
static void install_call_guard(void) { install_guard_on(0); }

/* What the program's start needs, handed across the stack switch. */
static struct {
    main_fn main;
    int argc;
    char **argv;
    init_fn *preinit, *init;
    size_t npreinit, ninit;
} start_args;

static ucontext_t program_ctx, caller_ctx;

/* Runs on the program's own stack; never returns (exit). */
static void program_entry(void) {
    extern char **environ;
    char **envp = environ;
    in_program = 1;
    on_exit(final_exit, NULL);
    atexit(run_fini);
    errno = 0; /* a fresh process starts with 0; the set-up above may have left ENOTTY */
    for (size_t i = 0; i < start_args.npreinit; i++) start_args.preinit[i](start_args.argc, start_args.argv, envp);
    for (size_t i = 0; i < start_args.ninit; i++) start_args.init[i](start_args.argc, start_args.argv, envp);
    exit(start_args.main(start_args.argc, start_args.argv, envp));
}

/* A stack as large as a native main thread's (RLIMIT_STACK, 8 MiB by default), with a guard page:
 * the FFI runs calls on a 1 MiB stack of its own, too small for deep recursion. */
static int make_program_stack(void **base, size_t *size) {
    struct rlimit rl;
    size_t want = 8u << 20;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= (64u << 10)) want = rl.rlim_cur;
    if (rl.rlim_cur == RLIM_INFINITY) want = 256u << 20;
    size_t guard = 64u << 10;
    char *p = mmap(NULL, want + guard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return -1;
    mprotect(p, guard, PROT_NONE);
    *base = p + guard;
    *size = want;
    return 0;
}

/* Gives stdio the buffering a freshly exec'ed program has (Node leaves stdout unbuffered). */
static void reset_stdio(void) {
    /* glibc keeps an unbuffered stream's 1-byte buffer when setvbuf gets NULL: give it a real one. */
    static char inbuf[BUFSIZ], outbuf[BUFSIZ];
    setvbuf(stdin, inbuf, isatty(0) ? _IOLBF : _IOFBF, sizeof inbuf);
    setvbuf(stdout, outbuf, isatty(1) ? _IOLBF : _IOFBF, sizeof outbuf);
    setvbuf(stderr, NULL, _IONBF, 0);
}

/*
 * Runs the program as __libc_start_main would: registers the fini arrays
 * with atexit (so they run after the program's own atexit handlers), runs
 * .preinit_array and .init_array, then exit(main(argc, argv, envp)), all on
 * a stack of native size. Returns only when the program's thread takes a
 * fatal signal: then 1, with the details in __hotlink_crash.
 */
int __hotlink_start(main_fn main_, int argc, char **argv, init_fn *preinit, size_t npreinit, init_fn *init,
                    size_t ninit, fini_fn *fini, size_t nfini, void (*hook)(void)) {
    __hotlink_native_process(argc, argv, PROCESS_RUN);
    reset_stdio();
    exit_hook = hook;
    fini_array = fini;
    fini_count = nfini;
    program_thread = pthread_self();
    start_args.main = main_;
    start_args.argc = argc;
    start_args.argv = argv;
    start_args.preinit = preinit;
    start_args.npreinit = npreinit;
    start_args.init = init;
    start_args.ninit = ninit;
    void *stack;
    size_t stack_size;
    if (make_program_stack(&stack, &stack_size) != 0) return 2;
    getcontext(&program_ctx);
    program_ctx.uc_stack.ss_sp = stack;
    program_ctx.uc_stack.ss_size = stack_size;
    program_ctx.uc_link = NULL;
    makecontext(&program_ctx, program_entry, 0);
    install_guard();
    if (sigsetjmp(crash_jmp, 1)) {
        in_program = 0;
        return 1;
    }
    swapcontext(&caller_ctx, &program_ctx);
    return 3; /* unreachable: program_entry exits */
}

/* Runs init functions outside of `run` (the library API: link, then call). */
void __hotlink_run_init(init_fn *init, size_t ninit, int argc, char **argv) {
    extern char **environ;
    for (size_t i = 0; i < ninit; i++) init[i](argc, argv, environ);
}
