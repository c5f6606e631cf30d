/* stdout/stderr interleaving. The harness runs this with stderr redirected
 * into the stdout pipe; fflush makes the order deterministic. Also mixes
 * stdio with raw write(2). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    for (int i = 0; i < 5; i++) {
        printf("out %d\n", i);
        fflush(stdout);
        fprintf(stderr, "err %d\n", i);
    }
    fputs("fputs to stdout\n", stdout);
    putchar('c');
    putchar('\n');
    fwrite("fwrite\n", 1, 7, stdout);
    fflush(stdout);
    const char raw[] = "raw write to fd 1\n";
    if (write(1, raw, strlen(raw)) < 0) return 1;
    const char raw2[] = "raw write to fd 2\n";
    if (write(2, raw2, strlen(raw2)) < 0) return 1;
    printf("buffered before exit, ");
    fputs("stderr last\n", stderr);
    printf("flushed at exit\n");
    return 0;
}
