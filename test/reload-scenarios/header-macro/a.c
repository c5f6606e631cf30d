#include "config.h"
extern int fb(void);
int fa(void) { return SCALE * 10; }
int probe(void) { return fa() + fb(); }
