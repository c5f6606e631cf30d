int newfn(int x) { return x * 4; }
int probe(void) { return newfn(5); }
