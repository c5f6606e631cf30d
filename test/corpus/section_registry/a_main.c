#include <stdio.h>
#include "reg.h"

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }

REGISTER(r_twice, "twice", twice, 10);
REGISTER(r_square, "square", square, 20);

/* Unrelated data between the registry entries, so the run must be gathered. */
int filler_a[7] = {1, 2, 3, 4, 5, 6, 7};

/* A weak reference to a section that no input has stays 0. */
extern const char __start_nosuchsec[] __attribute__((weak));
int lib_scale(int x);

int main(void) {
  long n = __stop_myregs - __start_myregs;
  printf("%ld entries\n", n);
  long sum = 0;
  for (const struct reg *p = __start_myregs; p < __stop_myregs; p++) {
    printf("%-8s prio=%ld f(7)=%d\n", p->name, p->prio, p->fn(7));
    sum += p->fn(3);
  }
  printf("sum=%ld filler=%d scale=%d\n", sum, filler_a[6], lib_scale(2));
  printf("nosuchsec=%s\n", __start_nosuchsec ? "defined" : "null");
  return n == 5 ? 0 : 1;
}
