long counter;
int probe(void) { return (int)++counter + 1000; }
