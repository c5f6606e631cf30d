/* -fcommon tentative definitions: 'int counter;' in two files must become one
 * object; a tentative definition plus an initialized one merge too. */
#include <stdio.h>

int counter;
double accum[16];
int initialized_elsewhere;   /* b.c has 'int initialized_elsewhere = 7;' */
char shared_name[32];

void b_increment(int by);
int b_read(void);
double b_accum_sum(void);

int main(void) {
    counter = 10;
    b_increment(5);
    printf("counter = %d (b sees %d)\n", counter, b_read());
    for (int i = 0; i < 16; i++) accum[i] = i * 0.5;
    printf("accum sum seen by b = %.2f\n", b_accum_sum());
    printf("initialized_elsewhere = %d\n", initialized_elsewhere);
    printf("shared_name = '%s'\n", shared_name);
    return 0;
}
