extern int keep(void);
int old_fn(void) { return 7; }
int probe(void) { return old_fn() + keep(); }
