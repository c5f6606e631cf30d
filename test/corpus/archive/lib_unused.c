#include <stdio.h>

void symbol_defined_nowhere(void);

__attribute__((constructor)) static void unused_ctor(void) { printf("unused member constructor ran (WRONG)\n"); }
int unused_function(void) { symbol_defined_nowhere(); return 1; }
