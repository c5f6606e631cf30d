/* Uses about 4 MiB of stack (native main thread: 8 MiB by default, the
 * usual `ulimit -s`), as deep recursive parsers and big local arrays do. */
#include <stdio.h>
#include <string.h>

#define FRAME_BYTES 1024
#define DEPTH 4096

static unsigned long dive(int n) {
    volatile unsigned char frame[FRAME_BYTES];
    memset((void *)frame, n & 0xff, sizeof frame);
    if (n % 1024 == 0) printf("depth %d (~%d KiB of frames)\n", n, n * FRAME_BYTES / 1024);
    if (n == DEPTH) return frame[n % FRAME_BYTES];
    return dive(n + 1) + frame[(n * 7) % FRAME_BYTES];
}

int main(void) {
    unsigned long sum = dive(1);
    printf("sum %lu\n", sum);
    char big_local[512 * 1024];
    memset(big_local, 'x', sizeof big_local);
    big_local[sizeof big_local - 1] = '\0';
    printf("512 KiB local array: strlen %zu\n", strlen(big_local));
    return 0;
}
