int limit = 50;
int probe(void) { return limit++; }
