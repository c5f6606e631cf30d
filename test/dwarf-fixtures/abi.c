/* Functions whose parameters and results cover the x86-64 SysV classes
   (psABI 3.2.3); test/dwarf.test.ts states the expected class of each. */
#include <stdarg.h>

struct small { int a, b; };                 /* INTEGER */
struct large { long a[5]; };                /* MEMORY (40 bytes) */
struct mixed { long i; double d; };         /* INTEGER+SSE */
struct dbl2 { double x, y; };               /* SSE+SSE */
struct flt3 { float a, b, c; };             /* SSE+SSE */
struct intflt { int i; float f; };          /* INTEGER */
struct chars3 { char c[3]; };               /* INTEGER */
struct ld1 { long double v; };              /* X87+X87UP */
struct packed { char c; long l; } __attribute__((packed)); /* MEMORY: unaligned */
struct bits { unsigned a : 4; unsigned b : 4; float f; };  /* INTEGER */
struct empty {};                            /* NO_CLASS */
union ud { double d; long l; };             /* INTEGER */
struct three { long a, b, c; };             /* MEMORY (24 bytes) */
typedef float v4sf __attribute__((vector_size(16)));      /* SSE+SSEUP */

int f_int(int a, long b, char c, short d, unsigned long long e) { return a + (int)b + c + d + (int)e; }
double f_double(double a, float b) { return a + b; }
void *f_ptr(void *p, const char *s) { return s ? p : 0; }
struct small f_small(struct small s) { return s; }
struct large f_large(struct large l) { return l; }
struct mixed f_mixed(struct mixed m) { return m; }
struct dbl2 f_dbl2(struct dbl2 d) { return d; }
struct flt3 f_flt3(struct flt3 f) { return f; }
struct intflt f_intflt(struct intflt x) { return x; }
struct chars3 f_chars3(struct chars3 x) { return x; }
long double f_ld(long double x) { return x * 2; }
struct ld1 f_ld1(struct ld1 x) { return x; }
struct packed f_packed(struct packed x) { return x; }
struct bits f_bits(struct bits x) { return x; }
union ud f_union(union ud u) { return u; }
struct three f_three(struct three t) { return t; }
_Complex double f_cd(_Complex double z) { return z; }
_Complex float f_cf(_Complex float z) { return z; }
__int128 f_i128(__int128 x) { return x + 1; }
v4sf f_vec(v4sf v) { return v; }
struct empty f_empty(struct empty e, int x) { (void)x; return e; }
void f_void(void) {}
int f_varargs(const char *fmt, ...) { va_list ap; va_start(ap, fmt); int r = va_arg(ap, int); va_end(ap); return r; }
enum e8 { E8_A = 1 } f_enum(enum e8 e) { return e; }
