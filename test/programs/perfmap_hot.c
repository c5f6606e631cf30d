/* perfmap.test: a hot loop for perf record (about 0.6 s of CPU in perfmap_hot_spin). */
#include <stdio.h>
#include <time.h>

volatile unsigned long perfmap_sink;

__attribute__((noinline)) unsigned long perfmap_hot_spin(unsigned long n) {
    unsigned long x = 1;
    for (unsigned long i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
    return x;
}

int main(void) {
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        perfmap_sink += perfmap_hot_spin(1000000);
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 600000000L);
    printf("done\n");
    return 0;
}
