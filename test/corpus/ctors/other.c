#include <stdio.h>
#include <stdlib.h>

static void atexit_other(void) { printf("atexit handler registered in other.c\n"); }

__attribute__((constructor(150))) static void other_ctor150(void) { printf("ctor 150 other.c\n"); }
__attribute__((constructor)) static void other_ctor(void) { printf("ctor (no priority) other.c\n"); }
__attribute__((destructor(150))) static void other_dtor150(void) { printf("dtor 150 other.c\n"); }
__attribute__((destructor)) static void other_dtor(void) { printf("dtor (no priority) other.c\n"); }

void from_other_file(void) {
    printf("from_other_file\n");
    atexit(atexit_other);
}
