/* errno set by libc: strtol overflow (ERANGE), fopen of a missing file
 * (ENOENT), perror to stderr, and errno preserved across our own code. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void try_strtol(const char *s) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    int e = errno;
    printf("strtol(\"%s\") = %ld, errno = %s, rest = \"%s\"\n", s, v,
           e == 0 ? "0" : e == ERANGE ? "ERANGE" : strerror(e), end);
}

int main(void) {
    try_strtol("12345");
    try_strtol("99999999999999999999999");
    try_strtol("-99999999999999999999999");
    try_strtol("42abc");
    printf("LONG_MAX check: %d\n", strtol("99999999999999999999", NULL, 10) == LONG_MAX);

    errno = 0;
    FILE *f = fopen("/nonexistent-dir-hotlink/missing-file.txt", "r");
    int e = errno;
    printf("fopen -> %s, errno ENOENT: %d, strerror: %s\n", f ? "FILE" : "NULL", e == ENOENT, strerror(e));
    errno = e;
    perror("fopen");

    errno = 0;
    double d = strtod("1e999", NULL);
    printf("strtod overflow -> inf: %d, ERANGE: %d\n", d > 1e308, errno == ERANGE);

    errno = EINVAL;
    printf("manual errno: %s\n", strerror(errno));
    fflush(stdout);
    return 0;
}
