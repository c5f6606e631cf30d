int b_table[4] = { 1000, 2000, 3000, 4000 };
int helper_b(int x) { return x * 7; }
