int probe(void) {
  static int n;
  return 100 + ++n;
}
