int input = 21;
static int scale(int x) { return x * 3; }
int probe(void) { return scale(input) + 1; }
