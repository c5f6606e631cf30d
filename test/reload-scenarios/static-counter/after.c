static int counter;
int probe(void) { return 100 + ++counter; }
