#include <string.h>
const char *greeting(void) { return "hi there"; }
const char *farewell(void) { return "goodbye"; }
int probe(void) {
  const char *g = greeting();
  return (int)strlen(g) * 100 + g[0] + (int)strlen(farewell());
}
