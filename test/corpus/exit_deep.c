/* exit() from deep inside recursion, with pending atexit handlers and a lot
 * of still-buffered stdout (stdout is a pipe, so fully buffered). */
#include <stdio.h>
#include <stdlib.h>

static int calls;

static void handler_a(void) { printf("handler_a after %d calls\n", calls); }
static void handler_b(void) { printf("handler_b\n"); }
static void handler_c(void) { printf("handler_c (registered last, runs first)\n"); }

static long recurse(int depth) {
    calls++;
    if (depth % 100 == 0) printf("depth %d\n", depth);
    if (depth > 100000) return 0;
    if (depth == 777) {
        printf("exiting from depth %d\n", depth);
        exit(7);
    }
    return recurse(depth + 1) + depth;   /* not a tail call */
}

int main(void) {
    atexit(handler_a);
    atexit(handler_b);
    for (int i = 0; i < 2000; i++) printf("buffered line %d\n", i);
    atexit(handler_c);
    printf("result %ld\n", recurse(0));
    return 0;
}
