#include <string.h>
#include "structs.h"

struct pair make_pair(int a, int b) { struct pair p = { a, b }; return p; }
struct pair swap_pair(struct pair p) { struct pair r = { p.b, p.a }; return r; }
struct mixed make_mixed(long n, double x) { struct mixed m = { n, x }; return m; }
struct mixed scale_mixed(struct mixed m, double k) { m.n = (long)(m.n * k); m.x *= k; return m; }
struct vec2 add_vec2(struct vec2 a, struct vec2 b) { struct vec2 r = { a.x + b.x, a.y + b.y }; return r; }
double dot_vec2(struct vec2 a, struct vec2 b) { return a.x * b.x + a.y * b.y; }
struct triple make_triple(int a, int b, int c) { struct triple t = { a * 10, b * 10, c * 10 }; return t; }
struct bytes3 make_bytes3(char a, char b, char c) { struct bytes3 r = { { a, b, c } }; return r; }

struct big make_big(long base, const char *tag) {
    struct big b;
    b.a = base + 1; b.b = base + 2; b.c = base + 3; b.d = base + 4; b.e = base + 5;
    memset(b.tag, 0, sizeof b.tag);
    strncpy(b.tag, tag, sizeof b.tag - 1);
    return b;
}

struct big transform_big(struct big b, long k) {
    b.a *= k; b.b *= k; b.c *= k; b.d *= k; b.e *= k;
    b.tag[0] = 'T';
    return b;
}

long sum_big(struct big x, struct big y, long extra) {
    return x.a + x.b + x.c + x.d + x.e + y.a + y.b + y.c + y.d + y.e + extra;
}

struct big call_with_big(struct big (*fn)(struct big, long), struct big b, long k) { return fn(b, k); }
