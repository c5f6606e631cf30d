extern int old_fn(void);
int keep(void) { return old_fn() * 100; }
