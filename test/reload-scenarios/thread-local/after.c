__thread int tl;
int probe(void) { return 100 + ++tl; }
