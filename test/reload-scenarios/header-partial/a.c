#include "util.h"
extern int fb(void);
int input = 1;
int probe(void) { return bump(input) + fb(); }
