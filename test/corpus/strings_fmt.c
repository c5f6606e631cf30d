/* sprintf/snprintf (including truncation and return values), strtod,
 * strtoul, sscanf, and assorted printf conversions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char buf[128];
    int n = sprintf(buf, "%d|%5d|%-5d|%05d|%+d|%x|%X|%#o|%lu", 42, 42, 42, 42, 42, 0xbeef, 0xbeef, 8, 123456789UL);
    printf("sprintf: %s (%d)\n", buf, n);
    char small[8];
    static const char *volatile long_text = "truncate this please";
    n = snprintf(small, sizeof small, "%s", long_text);
    printf("snprintf truncated: '%s' returned %d\n", small, n);
    n = snprintf(buf, sizeof buf, "%.3s|%10.4f|%-10s|%c%c|%%|%e|%g|%g", "abcdef", 3.14159265, "left", 'o', 'k', 12345.678, 0.0001, 1e20);
    printf("snprintf: %s (%d)\n", buf, n);

    const char *doubles[] = { "3.25", "-1e-3", "  42xyz", "0x1p4", "inf", "1.7976931348623157e308", "2.2250738585072014e-308", "abc" };
    for (int i = 0; i < 8; i++) {
        char *end;
        double d = strtod(doubles[i], &end);
        printf("strtod(\"%s\") = %.17g, consumed %d\n", doubles[i], d, (int)(end - doubles[i]));
    }
    printf("strtoul hex = %lu, base36 = %lu, octal = %lu\n", strtoul("ff", NULL, 16), strtoul("zz", NULL, 36), strtoul("0777", NULL, 0));
    printf("atoi = %d, atol = %ld, atof = %.2f\n", atoi("  -17"), atol("9000000000"), atof("2.5e1"));

    int a, b;
    char word[16];
    double f;
    int got = sscanf("12 34 hello 5.5", "%d %d %15s %lf", &a, &b, word, &f);
    printf("sscanf got %d: %d %d %s %.1f\n", got, a, b, word, f);

    char joined[64] = "";
    const char *parts[] = { "alpha", "beta", "gamma" };
    for (int i = 0; i < 3; i++) {
        if (i) strcat(joined, ",");
        strcat(joined, parts[i]);
    }
    printf("joined %s len %zu, strchr %s, strrchr %s, strstr %s\n", joined, strlen(joined),
           strchr(joined, ','), strrchr(joined, ','), strstr(joined, "eta"));
    char *tok, *save = NULL, copy[64];
    strcpy(copy, joined);
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) printf("token %s\n", tok);
    printf("%s\n", memcmp("abc", "abd", 3) < 0 ? "memcmp ok" : "memcmp wrong");
    return 0;
}
