#include <stdio.h>

int foo(int x) {
  int r = x + 1;
  return r;
}

int (*saved_foo)(int);

int main(void) {
  saved_foo = foo;
  int a = foo(1);
  printf("first %d\n", a);
  int b = saved_foo(2);
  printf("ptr %d\n", b);
  int c = foo(3);
  printf("third %d\n", c);
  return 0;
}
