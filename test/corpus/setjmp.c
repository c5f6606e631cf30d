/* setjmp/longjmp: from deep recursion, nested buffers, values, volatile locals. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int depth_reached;

static void dive(int depth, int limit) {
    depth_reached = depth;
    if (depth > limit) return;
    if (depth == limit) longjmp(outer, depth * 10 + 1);
    dive(depth + 1, limit);
    printf("unreachable %d\n", depth);
}

static int nested(int n) {
    volatile int local = n;
    int rc = setjmp(inner);
    if (rc == 0) {
        local += 100;
        longjmp(inner, local);
    }
    return rc + local;
}

int main(void) {
    for (volatile int limit = 1; limit <= 500; limit *= 5) {
        volatile int tries = 0;
        int rc = setjmp(outer);
        tries++;
        if (rc == 0) {
            dive(0, limit);
        } else {
            printf("limit %d: longjmp returned %d after depth %d (tries %d)\n", limit, rc, depth_reached, tries);
        }
    }
    printf("nested(5) = %d\n", nested(5));
    jmp_buf zero;
    int r = setjmp(zero);
    if (r == 0) longjmp(zero, 0); /* longjmp with 0 makes setjmp return 1 */
    printf("longjmp(0) -> setjmp returned %d\n", r);
    return 0;
}
