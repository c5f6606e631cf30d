#include <stdio.h>

int counter;

int twice(int x) {
  int y = x * 2;
  return y;
}

int fact(int n) {
  int m = n - 1;
  int r = 0;
  if (n <= 1)
    return 1;
  r = n * fact(m);
  return r;
}

int main(int argc, char **argv) {
  int a = twice(21);
  int b = fact(4);
  counter = twice(b);
  printf("a=%d b=%d c=%d\n", a, b, counter);
  return argc + 2;
}
