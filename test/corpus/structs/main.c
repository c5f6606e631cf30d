/* Structs passed and returned by value across object files: in registers
 * (<= 16 bytes, integer and SSE classes) and in memory (> 16 bytes). */
#include <stdio.h>
#include "structs.h"

static void print_big(const char *label, struct big b) {
    printf("%s: {%ld %ld %ld %ld %ld \"%s\"}\n", label, b.a, b.b, b.c, b.d, b.e, b.tag);
}

int main(void) {
    struct pair p = make_pair(3, 4);
    printf("pair %d %d -> swapped ", p.a, p.b);
    p = swap_pair(p);
    printf("%d %d\n", p.a, p.b);

    struct mixed m = make_mixed(7, 2.5);
    m = scale_mixed(m, 3.0);
    printf("mixed %ld %.3f\n", m.n, m.x);

    struct vec2 v = add_vec2((struct vec2){ 1.25, -2.5 }, (struct vec2){ 0.75, 10.0 });
    printf("vec2 %.3f %.3f len2 %.3f\n", v.x, v.y, dot_vec2(v, v));

    struct triple t = make_triple(1, 2, 3);
    printf("triple %d %d %d\n", t.a, t.b, t.c);

    struct big b = make_big(10, "made");
    print_big("big", b);
    struct big b2 = transform_big(b, 5);
    print_big("transformed", b2);
    print_big("original unchanged", b);
    printf("sum_big = %ld\n", sum_big(b2, b, 1000));

    struct big arr[3];
    for (int i = 0; i < 3; i++) arr[i] = make_big(i * 100, i == 1 ? "one" : "other");
    printf("arr sums %ld %ld %ld\n", sum_big(arr[0], arr[1], 0), sum_big(arr[1], arr[2], 0), sum_big(arr[2], arr[0], 0));

    struct bytes3 c3 = make_bytes3('x', 'y', 'z');
    printf("bytes3 %c%c%c\n", c3.c[0], c3.c[1], c3.c[2]);

    struct big via = call_with_big(transform_big, b, 1);
    print_big("via function pointer", via);
    return 0;
}
