/* Relocations inside .data: initialized pointers to data, to functions, to
 * string literals, with addends, across files, and a static linked list. */
#include <stdio.h>

extern int other_value;
extern int other_array[8];
extern int *other_ptr_to_main;
int other_fn(int);

int main_value = 11;
int *p_main_value = &main_value;
int **pp_main_value = &p_main_value;
int *p_other_value = &other_value;            /* cross-file data pointer */
int *p_other_mid = &other_array[5];           /* pointer with addend */
int (*p_other_fn)(int) = other_fn;            /* cross-file function pointer */
const char *msg = "string literal via pointer";
const char *msg_tail = &"0123456789"[7];      /* pointer into a literal */
char char_array[] = "mutable array";
char *p_char_array_end = char_array + sizeof char_array - 2;

static int local_fn(int x) { return x * 3; }
static int (*fn_table[])(int) = { local_fn, other_fn, local_fn };

struct node { int value; struct node *next; };
static struct node n3 = { 3, NULL };
static struct node n2 = { 2, &n3 };
static struct node n1 = { 1, &n2 };
static struct node *list_head = &n1;

struct rec { const char *name; int *slot; struct rec *self; };
static int slot_a = 100;
static struct rec recs[2] = {
    { "first", &slot_a, &recs[0] },
    { "second", &main_value, &recs[1] },
};

static int counter_in_function(void) {
    static int calls;            /* .bss local */
    static int init_seven = 7;   /* .data local */
    return ++calls + init_seven;
}

int main(void) {
    printf("*p_main_value = %d, **pp = %d\n", *p_main_value, **pp_main_value);
    printf("*p_other_value = %d\n", *p_other_value);
    printf("*p_other_mid = %d (index %d)\n", *p_other_mid, (int)(p_other_mid - other_array));
    printf("p_other_fn(5) = %d\n", p_other_fn(5));
    printf("msg = %s, tail = %s\n", msg, msg_tail);
    printf("last char = %c\n", *p_char_array_end);
    *p_other_value = 77;
    printf("other_value after write through pointer = %d\n", other_value);
    *other_ptr_to_main = 12;
    printf("main_value after write from other file's pointer = %d\n", main_value);
    for (int i = 0; i < 3; i++) printf("fn_table[%d](10) = %d\n", i, fn_table[i](10));
    int sum = 0;
    for (struct node *n = list_head; n; n = n->next) sum = sum * 10 + n->value;
    printf("list digits = %d\n", sum);
    for (int i = 0; i < 2; i++)
        printf("rec %s slot=%d self_ok=%d\n", recs[i].name, *recs[i].slot, recs[i].self == &recs[i]);
    fn_table[1] = local_fn;
    printf("fn_table[1](4) after store = %d\n", fn_table[1](4));
    for (int i = 0; i < 3; i++) printf("counter_in_function -> %d\n", counter_in_function());
    return 0;
}
