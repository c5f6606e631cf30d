#ifndef SHARED_H
#define SHARED_H
#include <stddef.h>

struct point { long x, y; };

extern int global_counter;
extern int shared_table[];
extern const char greeting[];
extern struct point shared_point;

int add3(int a, int b, int c);
void bump(int by);
size_t greeting_len(void);
int util_helper(int x);
int util_file_state(void);
long point_sum(void);
int apply_twice(int (*f)(int), int v);
int square(int v);
#endif
