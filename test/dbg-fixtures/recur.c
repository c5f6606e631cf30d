/* Debugger scenarios: recursion, a struct local, a line without code.
   NOINLINE keeps every frame real at -O2 too (no inline frames to compare). */
#include <stdio.h>

#define NOINLINE __attribute__((noinline))

struct point { int x; int y; };

NOINLINE int twice(int x)
{
  return 2 * x;
}

NOINLINE int factorial(int n)
{
  int r = -1;
  if (n <= 1)
    return 1;

  r = n * factorial(n - 1);
  return r;
}

NOINLINE int fib(int n)
{
  if (n < 2)
    return n;
  return fib(n - 1) + fib(n - 2);
}

NOINLINE int sum_point(struct point p, int scale)
{
  struct point q = { p.x * scale, p.y * scale };
  int s = q.x + q.y;
  return s;
}

int main(int argc, char **argv)
{
  struct point p = { 3, 4 };
  int f = factorial(5);
  int g = fib(6);
  int t = twice(p.x + p.y);
  int s = sum_point(p, argc + 1);
  printf("%d %d %d %d\n", f, g, t, s);
  return (f + g + t + s + (argv[0] != 0)) & 0x7f;
}
