#include "disp.h"
/* Address-taking in a third unit: the same address as in main's table. */
void *other_scaled_ptr(void) { return (void *)sum_scaled; }
