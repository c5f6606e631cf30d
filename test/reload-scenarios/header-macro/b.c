#include "config.h"
int fb(void) { return SCALE * 100; }
