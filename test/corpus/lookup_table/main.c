/* Pointer tables in read-only data: arrays of string pointers and of structs
 * holding strings, function pointers and pointers to other tables
 * (R_X86_64_64 relocations in .data.rel.ro under PIC), used across files. */
#include <stdio.h>
#include "table.h"

static const char *const colors[] = { "red", "orange", "yellow", "green", "blue", "indigo", "violet" };
static const int primes[] = { 2, 3, 5, 7, 11, 13, 17, 19 };
static const int squares[] = { 0, 1, 4, 9, 16, 25, 36, 49 };
static const int *const number_tables[] = { primes, squares, primes + 4 };
static const char *const *const tables_of_tables[] = { colors, colors + 3, weekdays };

int main(void) {
    for (int i = 0; i < 7; i++) printf("color[%d] = %s\n", i, colors[i]);
    for (int t = 0; t < 3; t++) printf("number_tables[%d][1..3] = %d %d %d\n", t,
                                       number_tables[t][1], number_tables[t][2], number_tables[t][3]);
    for (int t = 0; t < 3; t++) printf("tables_of_tables[%d][0] = %s\n", t, tables_of_tables[t][0]);
    for (const struct op *o = ops; o->name; o++)
        printf("op %-4s (%s): %ld\n", o->name, o->description, o->fn(12, 5));
    printf("lookup(\"mul\")(6,7) = %ld\n", lookup_op("mul")->fn(6, 7));
    printf("lookup(\"nope\") = %s\n", lookup_op("nope") ? "found (WRONG)" : "NULL");
    printf("weekday 3 = %s, via other file %s\n", weekdays[3], weekday_name(3));
    return 0;
}
