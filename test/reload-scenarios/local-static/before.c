int probe(void) {
  static int n;
  return ++n;
}
