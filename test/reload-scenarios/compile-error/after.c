int counter;
int probe(void) { return ++counter + 1000 }
