#include "util.h"
int fb(void) { return bump(100); }
