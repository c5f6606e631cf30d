/* Reliability stress fixture for hot reload (test/reload.test.ts, "stress").
 *
 * Linked with indirection 'exported-funcs', so `foo` is a stable entry
 * (jmp *slot) and every call below — direct or through a function pointer —
 * goes through that entry to whatever body the slot holds right now.
 *
 * start_threads(n) starts n worker pthreads (the test uses 2). Each calls
 * foo() in a tight loop, alternating a direct call and a call through a
 * global function pointer saved before any reload, and checks that every
 * result is one of the two bodies' values (1 or 2) — a torn slot or a
 * half-written body would show up as a wrong value or a crash. Meanwhile
 * the main thread (TypeScript) reloads foo thousands of times.
 * stop_threads() joins the workers and returns the error count.
 *
 * foo is noinline: with -O2 the compiler could otherwise inline it into
 * worker() (same file), and an inlined copy is never reloaded (HOT_RELOAD.md
 * §2). The driver compiles with -fPIC, under which gcc treats the global foo
 * as interposable and does no interprocedural assumptions about its body. */
#include <pthread.h>
#include <stdatomic.h>

__attribute__((noinline)) int foo(void) { return 1; }

int (*volatile foo_ptr)(void) = foo;

#define MAX_THREADS 8
static pthread_t threads[MAX_THREADS];
static int nthreads;
static atomic_int stop_flag;
static atomic_long calls, errors, seen1, seen2, bad_value;

static void *worker(void *arg) {
    long id = (long)arg;
    long n = 0, e = 0, s1 = 0, s2 = 0;
    while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
        for (int k = 0; k < 64; k++) {
            int v = ((k ^ id) & 1) ? foo_ptr() : foo();
            n++;
            if (v == 1) s1++;
            else if (v == 2) s2++;
            else {
                e++;
                atomic_store(&bad_value, v);
            }
        }
        if ((n & 0xfff) == 0) {
            atomic_fetch_add(&calls, n);
            atomic_fetch_add(&errors, e);
            atomic_fetch_add(&seen1, s1);
            atomic_fetch_add(&seen2, s2);
            n = e = s1 = s2 = 0;
        }
    }
    atomic_fetch_add(&calls, n);
    atomic_fetch_add(&errors, e);
    atomic_fetch_add(&seen1, s1);
    atomic_fetch_add(&seen2, s2);
    return 0;
}

/* Starts n worker threads (at most 8); returns 0, or -1 if one could not be created. */
int start_threads(int n) {
    if (n > MAX_THREADS) n = MAX_THREADS;
    atomic_store(&stop_flag, 0);
    nthreads = 0;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&threads[i], 0, worker, (void *)(long)i) != 0) return -1;
        nthreads++;
    }
    return 0;
}

/* Stops and joins the workers; returns the number of wrong results they saw. */
long stop_threads(void) {
    atomic_store(&stop_flag, 1);
    for (int i = 0; i < nthreads; i++) pthread_join(threads[i], 0);
    nthreads = 0;
    return atomic_load(&errors);
}

long stress_calls(void) { return atomic_load(&calls); }
long stress_seen(int v) { return v == 1 ? atomic_load(&seen1) : v == 2 ? atomic_load(&seen2) : atomic_load(&bad_value); }
