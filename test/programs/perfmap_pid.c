/* perfmap.test: prints the pid (so the test finds /tmp/perf-PID.map), the
 * addresses of two functions, and the /proc/self/maps name of the mapping
 * that holds the code. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) int perfmap_work(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += i * i;
    return s;
}

static __attribute__((noinline)) int perfmap_helper(int x) { return perfmap_work(x) + 1; }

int main(void) {
    unsigned long at = (unsigned long)&perfmap_work;
    printf("pid %d\n", (int)getpid());
    printf("work %lx\n", at);
    printf("helper %lx\n", (unsigned long)&perfmap_helper);
    printf("sum %d\n", perfmap_helper(10));
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && at >= lo && at < hi) {
            char *name = strchr(line, '/');
            printf("mapping %s", name ? name : "[anon]\n");
        }
    }
    if (f) fclose(f);
    return 0;
}
