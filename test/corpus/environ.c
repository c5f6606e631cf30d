/* environ and getenv/setenv/unsetenv. Only variables with our prefix are
 * printed (the harness sets them), sorted, so the output is deterministic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void dump(const char *when) {
    const char *found[64];
    int n = 0;
    for (char **e = environ; *e && n < 64; e++)
        if (strncmp(*e, "HOTLINK_TEST_", 13) == 0) found[n++] = *e;
    qsort(found, n, sizeof found[0], cmp_str);
    printf("%s: %d variables\n", when, n);
    for (int i = 0; i < n; i++) printf("  %s\n", found[i]);
}

int main(void) {
    dump("initial");
    const char *a = getenv("HOTLINK_TEST_ALPHA");
    printf("getenv ALPHA = %s\n", a ? a : "(unset)");
    const char *m = getenv("HOTLINK_TEST_MISSING");
    printf("getenv MISSING = %s\n", m ? m : "(unset)");
    setenv("HOTLINK_TEST_NEW", "created by setenv", 1);
    unsetenv("HOTLINK_TEST_BETA");
    setenv("HOTLINK_TEST_ALPHA", "not overwritten", 0);
    dump("after setenv/unsetenv");
    printf("getenv NEW = %s\n", getenv("HOTLINK_TEST_NEW"));
    return 0;
}
