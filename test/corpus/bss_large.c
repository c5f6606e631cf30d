/* Large zero-initialized arrays in .bss (tens of MB), an over-aligned
 * object, and zero checks after touching every page. */
#include <stdint.h>
#include <stdio.h>

#define BIG (48u << 20)
static unsigned char big[BIG];
int global_ints[1 << 20];
static double zeros[4096];
static char page_aligned[8192] __attribute__((aligned(4096)));
long small_bss;

int main(void) {
    unsigned long nonzero = 0;
    for (unsigned i = 0; i < BIG; i += 4096) nonzero += big[i] != 0;
    for (unsigned i = 0; i < (1u << 20); i++) nonzero += global_ints[i] != 0;
    for (unsigned i = 0; i < 4096; i++) nonzero += zeros[i] != 0.0;
    printf("nonzero before: %lu, small_bss %ld\n", nonzero, small_bss);
    for (unsigned i = 0; i < BIG; i += 4096) big[i] = (unsigned char)(i >> 12);
    big[BIG - 1] = 0xAB;
    for (unsigned i = 0; i < (1u << 20); i++) global_ints[i] = (int)(i * 2654435761u);
    unsigned long long sum = 0;
    for (unsigned i = 0; i < BIG; i += 4096) sum += big[i];
    for (unsigned i = 0; i < (1u << 20); i += 7) sum += (unsigned)global_ints[i];
    printf("checksum %llu last byte %#x\n", sum, big[BIG - 1]);
    printf("page_aligned is 4096-aligned: %d\n", ((uintptr_t)page_aligned & 4095) == 0);
    printf("global_ints 4-aligned: %d, zeros 8-aligned: %d\n",
           ((uintptr_t)global_ints & 3) == 0, ((uintptr_t)zeros & 7) == 0);
    small_bss = 5;
    page_aligned[8191] = 1;
    printf("small_bss %ld, page_aligned end %d\n", small_bss, page_aligned[8191]);
    return 0;
}
