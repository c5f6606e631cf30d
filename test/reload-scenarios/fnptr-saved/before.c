int compute(void) { return 1; }
static int (*fp)(void);
int probe(void) {
  if (!fp) fp = compute;
  return fp();
}
