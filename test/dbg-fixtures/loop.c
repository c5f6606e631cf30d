/* Debugger scenarios: a function called 1000 times, then exit(42). */
#include <stdlib.h>

int total;

__attribute__((noinline)) void tick(int i)
{
  total += i;
}

int main(void)
{
  for (int i = 0; i < 1000; i++)
    tick(i);
  exit(total == 499500 ? 42 : 1);
}
