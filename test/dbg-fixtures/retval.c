/* `return EXPR` by hand: values a function returns in RAX (integers,
   pointers) and XMM0 (float, double). Arguments come from argc, so that no
   call is folded away at -O2. */
#include <stdio.h>

#define NOINLINE __attribute__((noinline))

NOINLINE double scale(double x) { return x * 2.5; }
NOINLINE float half(float x) { return x / 2; }
NOINLINE long big(long x) { return x + 1; }
NOINLINE short narrow(int x) { return (short)(x * 3); }

int main(int argc, char **argv)
{
  double d = scale(argc + 1.0);
  float f = half((float)argc * 3);
  long l = big(argc + 40);
  short s = narrow(argc);
  printf("%g %g %ld %d %s\n", d, f, l, s, argv[0] ? "ok" : "?");
  return 0;
}
