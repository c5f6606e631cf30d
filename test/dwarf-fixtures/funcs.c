/* Functions with parameters, locals, nested blocks, an inlined helper from
   a header, a recursive static function and a variadic function. */
#include <stdarg.h>
#include "funcs.h"

struct pair { long a; double b; };
static int counter;
__thread int tls_a;
__thread long tls_b = 7;
extern void sink(void *);

int add(int a, int b) {
  int s = a + b;
  {
    int t = s * 2;
    s += t;
  }
  return s;
}

double scale(struct pair p, double k) {
  return p.b * k + p.a;
}

int sum(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int s = 0;
  for (int i = 0; i < n; i++)
    s += va_arg(ap, int);
  va_end(ap);
  return s;
}

static int fact(int n) {
  return n <= 1 ? 1 : n * fact(n - 1);
}

int use_inline(int v) {
  static int calls;
  calls++;
  counter += twice(v);
  return twice(v + 1) + fact(v & 7);
}

void noop(void) {}

const char *pick(const char **list, unsigned idx) {
  return list[idx];
}

int with_vla(int n) {
  int buf[n];
  for (int i = 0; i < n; i++) buf[i] = i;
  sink(buf);
  return buf[n / 2];
}

int tls_sum(void) {
  return tls_a + (int)tls_b;
}

int main(void) {
  const char *words[] = {"a", "b"};
  struct pair p = {1, 2.0};
  return add(1, 2) + sum(3, 1, 2, 3) + use_inline(4) + (int)scale(p, 0.5) + (int)*pick(words, 1) + counter;
}
