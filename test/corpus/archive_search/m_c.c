void also_defined_nowhere(void);
int never_called(void) { also_defined_nowhere(); return 0; }
