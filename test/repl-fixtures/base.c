#include <stdio.h>

int existing_func(int x) {
  return x * 10;
}

int main(void) {
  int v = existing_func(4);
  printf("v=%d\n", v);
  return 0;
}
