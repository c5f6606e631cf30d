__attribute__((always_inline)) inline int twice(int x) { return x * 3; }
extern int twice(int);
int input = 21;
int probe(void) { return twice(input); }
