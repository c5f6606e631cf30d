int later_fn(int x) {
  int y = x + 5;
  return y * 3;
}
