/* A write through a NULL pointer: SIGSEGV, exit status 139. hotlink prints a
 * crash report to stderr, so only stdout and the status are compared. */
#include <stdio.h>

static volatile int *volatile target;

__attribute__((noinline)) static void crash(int depth) {
    if (depth == 0) *target = 42;
    else crash(depth - 1);
}

int main(void) {
    printf("about to crash\n");
    fflush(stdout);
    crash(3);
    printf("survived (WRONG)\n");
    return 0;
}
