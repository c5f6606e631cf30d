/* Constant strings in .rodata / mergeable string sections. */
#include <stdio.h>
#include <string.h>

static const char banner[] = "=== const strings ===";
static const char *const words[] = { "alpha", "beta", "gamma", "delta", "epsilon" };
const char exported_const[] = "exported const array";

static const char *pick(int i) {
    switch (i & 3) {
    case 0: return "zero";
    case 1: return "one";
    case 2: return "two";
    default: return "many";
    }
}

int main(void) {
    puts(banner);
    size_t total = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        total += strlen(words[i]);
        printf("%zu:%s:%zu\n", i, words[i], strlen(words[i]));
    }
    printf("total length %zu\n", total);
    for (int i = 0; i < 6; i++) printf("pick(%d)=%s\n", i, pick(i));
    printf("%s / %zu\n", exported_const, sizeof exported_const);
    printf("strcmp(alpha,beta) < 0: %d\n", strcmp(words[0], words[1]) < 0);
    const char *long_literal =
        "a long literal that spans several source lines, "
        "concatenated by the compiler, "
        "with\ttabs and \"quotes\" and a backslash \\ at the end";
    printf("%s\n%zu\n", long_literal, strlen(long_literal));
    printf("%s\n", &"tail merge: world"[12]);
    return 0;
}
