int compute(void) { return 2; }
static int (*fp)(void);
int probe(void) {
  if (!fp) fp = compute;
  return fp();
}
