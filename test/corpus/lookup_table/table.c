#include <stddef.h>
#include <string.h>
#include "table.h"

static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b ? a / b : 0; }
static long op_mod(long a, long b) { return b ? a % b : 0; }

const struct op ops[] = {
    { "add", op_add, "addition" },
    { "sub", op_sub, "subtraction" },
    { "mul", op_mul, "multiplication" },
    { "div", op_div, "division" },
    { "mod", op_mod, "remainder" },
    { NULL, NULL, NULL },
};

const char *const weekdays[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };

const struct op *lookup_op(const char *name) {
    for (const struct op *o = ops; o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

const char *weekday_name(int i) { return weekdays[i % 7]; }
