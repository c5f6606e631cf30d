int input = 21;
static __attribute__((noinline)) int helper(int x) { return x * 3; }
int probe(void) { return helper(input); }
