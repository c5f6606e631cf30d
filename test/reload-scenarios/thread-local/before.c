__thread int tl;
int probe(void) { return ++tl; }
