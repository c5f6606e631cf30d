#include "reg.h"

/* An archive member: pulled in for lib_scale, its registry entry comes too. */
static int triple(int x) { return 3 * x; }
REGISTER(r_triple, "triple", triple, 50);
int lib_scale(int x) { return 100 * x; }
