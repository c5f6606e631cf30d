/* Recursion: fib, mutual recursion, Ackermann, a moderately deep (non-tail)
 * recursion (stack_depth.c is the one that needs megabytes of stack). */
#include <stdio.h>

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

static unsigned long ackermann(unsigned long m, unsigned long n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static long deep(int n, volatile long *sink) {
    long local[4] = { n, n + 1, n + 2, n + 3 };
    *sink += local[n & 3];
    if (n == 0) return 0;
    return deep(n - 1, sink) + local[(n + 1) & 3];
}

static void hanoi(int n, int from, int to, int via, long *moves) {
    if (n == 0) return;
    hanoi(n - 1, from, via, to, moves);
    ++*moves;
    hanoi(n - 1, via, to, from, moves);
}

int main(void) {
    for (int n = 0; n <= 27; n += 3) printf("fib(%d) = %ld\n", n, fib(n));
    printf("is_even(1000) = %d, is_odd(777) = %d\n", is_even(1000), is_odd(777));
    printf("ackermann(2,3) = %lu, ackermann(3,5) = %lu\n", ackermann(2, 3), ackermann(3, 5));
    volatile long sink = 0;
    printf("deep(2000) = %ld", deep(2000, &sink));
    printf(", sink = %ld\n", sink);
    long moves = 0;
    hanoi(18, 1, 3, 2, &moves);
    printf("hanoi(18) moves = %ld\n", moves);
    return 0;
}
