/* Smoke test: the smallest useful program (puts + printf + return 0). */
#include <stdio.h>

int main(void) {
    puts("hello, corpus");
    printf("%d + %d = %d\n", 2, 3, 2 + 3);
    return 0;
}
