/* Watchpoint scenarios (test/dbg-watch.test.ts): a global written with the same and with new values, a local
   whose frame returns, struct members read and written. */
#include <stdio.h>

struct point {
  int x;
  int y;
};

int counter = 1;
struct point origin;

int bump(int by) {
  int total = 0;
  total += by;
  total += by;
  counter += total;
  return total;
}

/* Where the scenarios stop before the loop (main's own breakpoint placement at -O2 is not what they test). */
__attribute__((noinline)) void before_loop(void) {
  __asm__ volatile("");
}

int main(void) {
  int i;
  before_loop();
  for (i = 0; i < 3; i++)
    bump(i);
  origin.y = 7;
  origin.x = 5;
  printf("counter=%d\n", counter);
  return (counter + origin.y) & 7;
}
