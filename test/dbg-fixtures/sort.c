/* Debugger scenarios: a libc frame between two program frames (qsort's callback). */
#include <stdlib.h>

static int calls;

__attribute__((noinline)) int cmp_ints(const void *a, const void *b)
{
  int x = *(const int *)a;
  int y = *(const int *)b;
  calls++;
  return (x > y) - (x < y);
}

__attribute__((noinline)) int sort_them(int *v, int n)
{
  qsort(v, n, sizeof *v, cmp_ints);
  return v[0];
}

int main(void)
{
  int v[8] = { 5, 3, 9, 1, 7, 2, 8, 6 };
  int first = sort_them(v, 8);
  return first + (calls > 0 ? 0 : 100);
}
