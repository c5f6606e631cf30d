int helper_b(int);
extern int b_table[4];
int entry_a(int x) { return helper_b(x) + b_table[x]; }
