/* Our own variadic functions: va_list forwarded to vsnprintf, va_copy,
 * integer and floating-point varargs (the %al register count for doubles). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int log_line(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int log_line(const char *tag, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printf("[%s] %s (%d chars)\n", tag, buf, n);
    return n;
}

static long sum_ints(int count, ...) {
    va_list ap;
    long total = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++) total += va_arg(ap, int);
    va_end(ap);
    return total;
}

static double mean(int count, ...) {
    va_list ap;
    double total = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++) total += va_arg(ap, double);
    va_end(ap);
    return count ? total / count : 0.0;
}

/* Walks the same argument list twice, once through a va_copy. */
static void twice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void twice(const char *fmt, ...) {
    va_list ap, copy;
    char a[128], b[128];
    va_start(ap, fmt);
    va_copy(copy, ap);
    vsnprintf(a, sizeof a, fmt, ap);
    vsnprintf(b, sizeof b, fmt, copy);
    va_end(copy);
    va_end(ap);
    printf("twice: '%s' == '%s' -> %d\n", a, b, strcmp(a, b) == 0);
}

/* Mixed types, more than fit in registers (forces stack-passed varargs). */
static void mixed(int n, ...) {
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        int kind = va_arg(ap, int);
        if (kind == 0) printf(" i:%d", va_arg(ap, int));
        else if (kind == 1) printf(" d:%.3f", va_arg(ap, double));
        else if (kind == 2) printf(" s:%s", va_arg(ap, const char *));
        else printf(" L:%lld", va_arg(ap, long long));
    }
    va_end(ap);
    printf("\n");
}

int main(void) {
    log_line("info", "%d apples and %s", 3, "pears");
    log_line("num", "%5.2f|%-6d|%x|%o|%c", 3.14159, 42, 255, 8, 'z');
    int truncated = snprintf(NULL, 0, "%s-%d", "sizing", 12345);
    log_line("size", "would need %d", truncated);
    printf("sum_ints = %ld\n", sum_ints(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    printf("mean = %.4f\n", mean(9, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5));
    twice("%s %d %.2f %ld", "va_copy", -7, 2.5, 1234567890123L);
    printf("mixed:");
    mixed(8, 0, 1, 1, 2.25, 2, "str", 3, 9000000000LL, 1, -0.5, 0, -3, 2, "end", 1, 1e10);
    return 0;
}
