/* argv echo (not argv[0], which differs by design) and a non-zero exit code. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    printf("argc = %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] = [%s] (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is NULL: %d\n", argv[argc] == NULL);
    return 3;
}
