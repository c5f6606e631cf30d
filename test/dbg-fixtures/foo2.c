/* The replacement body of foo (foo.c): x * 100 + 7. */
int foo(int x)
{
  int y = x * 100;
  y = y + 7;
  return y;
}
