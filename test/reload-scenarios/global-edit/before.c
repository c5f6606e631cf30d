int compute(int x) { return x + 1; }
int probe(void) { return compute(10); }
