extern int keep(void);
int probe(void) { return 1 + keep(); }
