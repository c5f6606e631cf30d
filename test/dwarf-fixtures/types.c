/* Globals of many C types: typeName() and ptypeText() are compared with
   gdb's `whatis` and `ptype` on the compiled object. */
#include <stddef.h>

struct point { int x, y; };
typedef struct point point_t;
typedef point_t *point_ptr;
struct node { int value; struct node *next; struct point where; };
struct flags { unsigned a : 3; unsigned b : 5; signed c : 7; int d; };
union number { int i; float f; double d; char bytes[8]; };
enum color { RED, GREEN = 5, BLUE, BLACK = -1 };
struct outer { struct { int x; } inner; union { int i; char c; } u; int arr[2][3]; };
struct fam { int n; int data[]; };
struct empty_tail { long n; char z[0]; };
typedef int (*binop)(int, int);
typedef void (*callback_t)(void *, size_t);
typedef unsigned long ulong_t;

int i_var;
unsigned int u_var;
long l_var;
unsigned long ul_var;
long long ll_var;
short s_var;
unsigned char uc_var;
signed char sc_var;
char c_var;
_Bool b_var;
float f_var;
double d_var;
long double ld_var;
ulong_t ulong_var;
int table[10];
int grid[3][4];
char *names[4];
int (*grid_ptr)[4];
const char *greeting = "hello";
char *const cp = 0;
const char *const ccp = "x";
volatile int vi;
const volatile int cvi = 1;
char *restrict rp;
int (*fp)(int, int);
binop bop;
void (*handlers[4])(void);
char *(*str_fn)(const char *, ...);
int (**fpp)(int);
struct point origin;
point_t origin2;
point_ptr pp;
struct node head;
struct flags fl;
union number num;
enum color col;
struct outer out;
callback_t cb;
const struct point *cpp;
struct point points[2];
void *vp;
void **vpp;
struct fam *famp;
struct empty_tail *etp;
enum { ANON_A, ANON_B } anon_enum_var;
struct { int a; char b; } anon_struct_var;
const int const_arr[3] = {1, 2, 3};

int add(int a, int b) { return a + b; }
void noargs(void) {}
int kr_style();
int kr_style(a) int a; { return a; }
const char *pick(const char **list, unsigned idx) { return list[idx]; }
struct point make_point(int x, int y) { struct point p = {x, y}; return p; }
