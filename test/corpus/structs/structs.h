#ifndef STRUCTS_H
#define STRUCTS_H
struct pair { int a, b; };                 /* 8 bytes: one INTEGER eightbyte */
struct mixed { long n; double x; };        /* 16 bytes: INTEGER + SSE */
struct vec2 { double x, y; };              /* 16 bytes: SSE + SSE */
struct triple { int a, b, c; };            /* 12 bytes */
struct bytes3 { char c[3]; };              /* 3 bytes */
struct big { long a, b, c, d, e; char tag[16]; };  /* 56 bytes: MEMORY */

struct pair make_pair(int a, int b);
struct pair swap_pair(struct pair p);
struct mixed make_mixed(long n, double x);
struct mixed scale_mixed(struct mixed m, double k);
struct vec2 add_vec2(struct vec2 a, struct vec2 b);
double dot_vec2(struct vec2 a, struct vec2 b);
struct triple make_triple(int a, int b, int c);
struct bytes3 make_bytes3(char a, char b, char c);
struct big make_big(long base, const char *tag);
struct big transform_big(struct big b, long k);
long sum_big(struct big x, struct big y, long extra);
struct big call_with_big(struct big (*fn)(struct big, long), struct big b, long k);
#endif
