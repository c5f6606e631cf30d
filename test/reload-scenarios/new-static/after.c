static int calls = 5;
int probe(void) { return ++calls; }
