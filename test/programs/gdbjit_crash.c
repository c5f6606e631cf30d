/* gdbjit.test: a NULL dereference three frames deep (a static helper, recursion), for gdb's bt. */
#include <stdio.h>

static int gdbjit_leaf(int *p, int n) {
    if (n == 0) return *p;
    return gdbjit_leaf(p, n - 1) + 1;
}

int gdbjit_outer(int *p) {
    return gdbjit_leaf(p, 2);
}

int main(int argc, char **argv) {
    (void)argv;
    printf("start\n");
    fflush(stdout);
    return gdbjit_outer(argc > 5 ? &argc : (int *)0);
}
