#include "reg.h"

/* An archive member nothing pulls in: its entry is not in the registry. */
static int never(int x) { return x - 1000; }
REGISTER(r_never, "never", never, 60);
int unused_fn(int x) { return x; }
