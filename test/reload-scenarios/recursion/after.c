int leaf(void) { return 0; }
int rec(int n) { if (n == 0) return leaf(); return rec(n - 1) + 20; }
int probe(void) { return rec(3); }
