/* Debugger scenarios: reloading foo while stopped inside it. */
__attribute__((noinline)) int foo(int x)
{
  int y = x + 1;
  y = y * 10;
  return y;
}

int main(int argc, char **argv)
{
  int r = foo(argc + 3); /* foo(4) */
  return r == 50 && argv[0] ? 0 : 1;
}
