int limit = 10;
int probe(void) { return limit++; }
