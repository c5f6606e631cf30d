/* Constructors and destructors with priorities, atexit registered from a
 * constructor and from main, across two files. Output order is the test. */
#include <stdio.h>
#include <stdlib.h>

void from_other_file(void);

static void atexit_from_ctor(void) { printf("atexit handler registered in ctor 102\n"); }
static void atexit_first(void) { printf("atexit handler registered first in main\n"); }
static void atexit_second(void) { printf("atexit handler registered second in main\n"); }

__attribute__((constructor(102))) static void ctor102(void) {
    printf("ctor 102\n");
    atexit(atexit_from_ctor);
}
__attribute__((constructor(101))) static void ctor101(void) { printf("ctor 101\n"); }
__attribute__((constructor(300))) static void ctor300(void) { printf("ctor 300\n"); }
__attribute__((constructor)) static void ctor_plain(void) { printf("ctor (no priority) main.c\n"); }

__attribute__((destructor(101))) static void dtor101(void) { printf("dtor 101\n"); }
__attribute__((destructor(102))) static void dtor102(void) { printf("dtor 102\n"); }
__attribute__((destructor(300))) static void dtor300(void) { printf("dtor 300\n"); }
__attribute__((destructor)) static void dtor_plain(void) { printf("dtor (no priority) main.c\n"); }

int main(void) {
    printf("main start\n");
    atexit(atexit_first);
    from_other_file();
    atexit(atexit_second);
    printf("main end\n");
    return 0;
}
