static int counter;
int probe(void) { return ++counter; }
