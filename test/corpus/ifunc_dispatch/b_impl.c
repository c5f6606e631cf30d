#include "disp.h"

/* gcc: one clone per target, a resolver that asks libgcc's __cpu_model. */
__attribute__((target_clones("avx2", "sse4.2", "default")))
int sum(const int *v, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

int resolver_calls;

static int scaled_plain(const int *v, int n) { int s = 0; for (int i = 0; i < n; i++) s += 2 * v[i]; return s; }
static int scaled_fancy(const int *v, int n) { int s = 0; for (int i = n - 1; i >= 0; i--) s += v[i] + v[i]; return s; }

/* An explicit resolver: runs once, before main, with __builtin_cpu_supports. */
static int (*resolve_scaled(void))(const int *, int) {
  __builtin_cpu_init();
  resolver_calls++;
  return __builtin_cpu_supports("sse2") ? scaled_fancy : scaled_plain;
}
int sum_scaled(const int *v, int n) __attribute__((ifunc("resolve_scaled")));

const char *impl_kind(void) { return __builtin_cpu_supports("sse2") ? "sse2" : "plain"; }
