static inline int bump(int x) { return x + 2; }
