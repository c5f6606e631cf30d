int compute(int x) { return x + 2; }
int probe(void) { return compute(10); }
