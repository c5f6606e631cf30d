/* A static archive (ar rcs) of two members where only one is needed. The
 * unneeded member references an undefined symbol and has a constructor:
 * pulling it in would fail the link or change the output. */
#include <stdio.h>

int used_function(int x);
extern const char used_data[];

int main(void) {
    printf("used_function(4) = %d\n", used_function(4));
    printf("used_data = %s\n", used_data);
    return 0;
}
