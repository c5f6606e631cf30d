/* Frames of different shapes for the CFI tests: a leaf, a frame pointer
   with alloca, callee-saved registers, a big stack frame, a noreturn call. */
#include <alloca.h>
#include <string.h>
#include <stdlib.h>

extern void sink(void *, int);

int leaf(int x) { return x * 3 + 1; }

int with_alloca(int n) {
  char *p = alloca(n + 16);
  memset(p, 1, n);
  sink(p, n);
  return p[0];
}

long many_saved(long a, long b, long c, long d, long e, long f) {
  long x = a * b, y = c * d, z = e * f;
  sink(&x, 1);
  sink(&y, 2);
  sink(&z, 3);
  return x + y + z + a + b + c + d + e + f;
}

int big_frame(int i) {
  int buf[1000];
  sink(buf, i);
  return buf[i & 1023];
}

void fail_hard(const char *msg) {
  sink((void *)msg, 0);
  abort();
}

int early_exit(int v) {
  if (v < 0) {
    sink(&v, v);
    return -1;
  }
  long r = v;
  sink(&r, v);
  return (int)r + v;
}

/* With -fexceptions, a cleanup gives the FDE a personality routine and an LSDA ("zPLR"). */
static void release(int *p) { sink(p, *p); }

int with_cleanup(int n) {
  int guard __attribute__((cleanup(release))) = n;
  sink(&guard, 1);
  return guard;
}
