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
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

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

struct hotlink_crash {
    int64_t signo;
    int64_t code;
    uint64_t addr;
    uint64_t pc;
    uint64_t sp;
    uint64_t fp;
    uint64_t gregs[32]; /* the whole register context (x86-64: the 23 ucontext gregs), for the symbolized backtrace */
};
struct hotlink_crash __hotlink_crash;

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction previous[NFATAL];
static sigjmp_buf crash_jmp;
static volatile int in_program;
static pthread_t program_thread;

/* Hands a signal that is not ours to the handler installed before us (shared with hotlink_dbg.c). */
void __hotlink_chain_signal(const struct sigaction *old, int sig, siginfo_t *info, void *uctx) {
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(sig, info, uctx);
    } else if (old->sa_handler == SIG_DFL) {
        sigaction(sig, old, NULL); /* re-raised on return, now fatal */
    } else if (old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
    }
}

static void write_str(const char *s) { (void)!write(2, s, strlen(s)); }

static void on_fatal(int sig, siginfo_t *info, void *uctx) {
    int i = 0;
    while (i < (int)NFATAL && fatal_signals[i] != sig) i++;
    if (!in_program) {
        __hotlink_chain_signal(&previous[i], sig, info, uctx);
        return;
    }
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
    if (pthread_equal(pthread_self(), program_thread)) siglongjmp(crash_jmp, 1);
    /* Another thread of the program: the reporter lives on the program's thread,
     * which we cannot reach from here; say what we know and die like the signal would. */
    write_str("hotlink: a thread of the program received a fatal signal\n");
    _exit(128 + sig);
}

static void install_guard(void) {
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NFATAL; i++) sigaction(fatal_signals[i], &sa, &previous[i]);
}

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
    signal(SIGPIPE, SIG_DFL); /* Node ignores SIGPIPE; a native program dies of it. */
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
