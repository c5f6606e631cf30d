__thread int other_tls = 1000;

int other_tls_bump(int by) { other_tls += by * 100; return other_tls; }
int *other_tls_address(void) { return &other_tls; }
