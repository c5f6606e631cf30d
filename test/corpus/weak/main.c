/* Weak symbols: a weak definition overridden by a strong one from another
 * file, a weak definition nobody overrides, and weak undefined references
 * (function and data) that must resolve to NULL. */
#include <stdio.h>

const char *who(void);                                     /* weak here, strong in strong.c */
__attribute__((weak)) const char *who(void) { return "weak who (WRONG)"; }

__attribute__((weak)) int tunable = 1;                     /* strong in strong.c */
__attribute__((weak)) int lonely_weak = 5;                 /* only definition */
__attribute__((weak)) int lonely_weak_fn(void) { return 55; }

extern void missing_function(void) __attribute__((weak));  /* defined nowhere */
extern int missing_variable __attribute__((weak));         /* defined nowhere */
extern int present_variable __attribute__((weak));         /* defined in strong.c */

int call_who_from_other_file(void);

int main(void) {
    printf("who() = %s\n", who());
    printf("tunable = %d\n", tunable);
    printf("lonely_weak = %d, lonely_weak_fn() = %d\n", lonely_weak, lonely_weak_fn());
    printf("missing_function is %s\n", missing_function ? "present (WRONG)" : "NULL");
    if (missing_function) missing_function();
    printf("&missing_variable is %s\n", &missing_variable ? "present (WRONG)" : "NULL");
    printf("&present_variable is %s, value %d\n", &present_variable ? "present" : "NULL (WRONG)",
           &present_variable ? present_variable : -1);
    printf("strong.c sees who() = %d\n", call_who_from_other_file());
    return 0;
}
