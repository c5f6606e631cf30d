/* The driver of every reload scenario: prints probe() BEFORE times, stops
 * at reload_point (where `hotlink dbg` reloads), then prints probe() AFTER
 * times. Usage: prog BEFORE AFTER. */
#include <stdio.h>
#include <stdlib.h>

extern int probe(void);

__attribute__((noinline)) void reload_point(void) { __asm__ volatile(""); }

int main(int argc, char **argv) {
  int before = argc > 1 ? atoi(argv[1]) : 1;
  int after = argc > 2 ? atoi(argv[2]) : 1;
  for (int i = 0; i < before; i++) printf("probe %d\n", probe());
  reload_point();
  for (int i = 0; i < after; i++) printf("probe %d\n", probe());
  return 0;
}
