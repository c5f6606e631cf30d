#include <string.h>

const char *who(void) { return "strong who"; }
int tunable = 42;
int present_variable = 7;

int call_who_from_other_file(void) { return (int)strlen(who()); }
