/* Indirect functions (STT_GNU_IFUNC) as real programs use them: gcc's
   target_clones (CPU dispatch through libgcc's __cpu_model), an explicit
   ifunc resolver, calls from another unit, and function pointers whose
   identity must hold across units. */
#include <stdio.h>
#include "disp.h"

static int (*const table[])(const int *, int) = { sum, sum_scaled };

int main(void) {
  int v[16];
  for (int i = 0; i < 16; i++) v[i] = i * 3 - 7;
  printf("sum=%d scaled=%d\n", sum(v, 16), sum_scaled(v, 16));
  printf("via table: %d %d\n", table[0](v, 16), table[1](v, 16));
  /* (gcc's target_clones 'sum' is left out: a PIE gives it two addresses natively.) */
  printf("pointer identity: %d %d\n", (void *)table[1] == other_scaled_ptr(), (void *)sum_scaled == other_scaled_ptr());
  printf("resolver ran: %d\n", resolver_calls > 0); /* natively once per IRELATIVE relocation */
  printf("kind=%s\n", impl_kind());
  return 0;
}
