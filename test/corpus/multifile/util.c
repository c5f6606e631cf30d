#include <string.h>
#include "shared.h"

static int helper(int x) { return x + 1; }
static int file_state = 100;

int add3(int a, int b, int c) { return a + b + c; }
void bump(int by) { global_counter += by; shared_table[by % 5] += by * 10; }
size_t greeting_len(void) { return strlen(greeting); }
int util_helper(int x) { return helper(x); }
int util_file_state(void) { return file_state++; }
long point_sum(void) { return shared_point.x + shared_point.y; }
int apply_twice(int (*f)(int), int v) { return f(f(v)); }
