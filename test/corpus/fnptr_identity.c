/* Function pointer identity: the address of a function must be the same
 * whether it is taken in code or stored in initialized data, for our own
 * functions and for libc functions (native executables use canonical PLT
 * entries for that under -fno-pic). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int local_target(int x) { return x + 1; }

int (*data_local)(int) = local_target;
int (*data_puts)(const char *) = puts;
void *(*data_malloc)(size_t) = malloc;
size_t (*data_strlen)(const char *) = strlen;

/* Out-of-line so that the compiler cannot fold the comparisons. */
__attribute__((noinline)) static int same(const void *a, const void *b) { return a == b; }

int main(void) {
    printf("local: %d\n", same((const void *)data_local, (const void *)local_target));
    printf("puts: %d\n", same((const void *)data_puts, (const void *)puts));
    printf("malloc: %d\n", same((const void *)data_malloc, (const void *)malloc));
    printf("strlen: %d\n", same((const void *)data_strlen, (const void *)strlen));
    printf("call via data: %d %zu\n", data_local(41), data_strlen("four"));
    data_puts("puts through a data pointer");
    void *p = data_malloc(16);
    printf("malloc via data ok: %d\n", p != NULL);
    free(p);
    return 0;
}
