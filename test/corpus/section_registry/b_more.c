#include "reg.h"

static int neg(int x) { return -x; }
static int inc(int x) { return x + 1; }

double filler_b = 2.5;
REGISTER(r_neg, "neg", neg, 30);
static const char pad[3] = "xy";
const char *use_pad(void) { return pad; }
REGISTER(r_inc, "inc", inc, 40);
