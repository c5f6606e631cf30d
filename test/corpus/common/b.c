#include <string.h>

int counter;
double accum[16];
int initialized_elsewhere = 7;
char shared_name[32];

__attribute__((constructor)) static void fill_name(void) { strcpy(shared_name, "set by b.c constructor"); }

void b_increment(int by) { counter += by; }
int b_read(void) { return counter; }
double b_accum_sum(void) {
    double s = 0;
    for (int i = 0; i < 16; i++) s += accum[i];
    return s;
}
