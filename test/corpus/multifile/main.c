/* Cross-file calls and cross-file data; same-named static symbols in two
 * files must stay distinct (local symbols never resolve across objects). */
#include <stdio.h>
#include "shared.h"

static int helper(int x) { return x * 1000; }   /* util.c has its own 'helper' */
static int file_state = 1;                     /* util.c has its own 'file_state' */

int main(void) {
    printf("add3(1,2,3) = %d\n", add3(1, 2, 3));
    printf("global_counter initially %d\n", global_counter);
    for (int i = 0; i < 5; i++) bump(i);
    printf("global_counter after bumps %d\n", global_counter);
    printf("table[0..4] =");
    for (int i = 0; i < 5; i++) printf(" %d", shared_table[i]);
    printf("\n");
    printf("greeting: %s (len %zu)\n", greeting, greeting_len());
    printf("main helper(2) = %d, util helper(2) = %d\n", helper(2), util_helper(2));
    file_state += 10;
    printf("main file_state = %d, util file_state = %d\n", file_state, util_file_state());
    shared_point.x = 7;
    printf("point sum = %ld\n", point_sum());
    printf("call through other file: %d\n", apply_twice(square, 3));
    return 0;
}

int square(int v) { return v * v; }
