#include "shared.h"

int global_counter = 42;
int shared_table[5] = { 1, 2, 3, 4, 5 };
const char greeting[] = "hello from data.c";
struct point shared_point = { 1, 35 };
