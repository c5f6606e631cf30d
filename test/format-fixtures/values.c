/* Globals of every kind the value formatter prints, all statically
   initialized (so their bytes are the executable's file contents), plus
   one page mapped at a fixed address before main() for strings that run
   into unmapped memory. test/format.test.ts prints each with gdb and with
   formatValue() and compares. Build: gcc -g -O0 -no-pie. */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <uchar.h>

/* ---- integers and characters ---- */
signed char sc_min = -128, sc_neg = -61;
unsigned char uc_200 = 200, uc_0 = 0;
char c_a = 'a', c_nl = '\n', c_nul = 0, c_quote = '\'', c_dquote = '"', c_backslash = '\\';
char c_esc = 27, c_del = 127, c_high = (char)0xe9, c_tab = '\t', c_bell = '\a', c_bs = '\b';
char c_ff = '\f', c_cr = '\r', c_vt = '\v', c_space = ' ', c_digit = '7';
short s_min = SHRT_MIN, s_neg = -2;
unsigned short us_max = USHRT_MAX;
int i_min = INT_MIN, i_neg = -42, i_pos = 42, i_zero = 0;
unsigned u_max = UINT_MAX;
long l_min = LONG_MIN;
unsigned long ul_max = ULONG_MAX;
long long ll_neg = -1234567890123456789LL;
unsigned long long ull_max = ULLONG_MAX;
__int128 i128_neg = -((__int128)1 << 100);
unsigned __int128 u128_max = ~(unsigned __int128)0;
int8_t i8 = -5;
uint8_t u8 = 250;
int16_t i16 = -300;
uint32_t u32 = 0xdeadbeef;
int64_t i64 = INT64_MIN;
bool b_true = true, b_false = false;
union { bool b; unsigned char c; } bool_two = { .c = 2 };
wchar_t wc_a = L'a', wc_e = 0xe9, wc_big = 0x4e2d, wc_nl = L'\n';
char16_t c16_x = u'x', c16_sur = 0xd83d;
char32_t c32_y = U'y', c32_bad = 0x110000;
typedef int myint;
myint my_int = -7;
typedef char mychar;
mychar my_char = 'z';

/* ---- floating point ---- */
float f_pi = 3.14159265f, f_third = 1.0f / 3, f_denorm = 1e-45f, f_max = 3.40282347e38f, f_neg0 = -0.0f;
float f_inf = __builtin_inff(), f_ninf = -__builtin_inff(), f_nan = __builtin_nanf(""), f_nnan = -__builtin_nanf("");
float f_payload = __builtin_nanf("0x123");
double d_pi = 3.14, d_half = 0.5, d_1e100 = 1e100, d_tenth = 0.1, d_max = 1.7976931348623157e308;
double d_denorm = 4.9406564584124654e-324, d_neg = -2.5, d_1e16 = 1e16, d_1e17 = 1e17, d_123456 = 123456.0;
double d_1e_5 = 1e-5, d_1e_4 = 1e-4, d_100 = 100.0, d_third = 1.0 / 3, d_zero = 0.0, d_neg0 = -0.0;
double d_inf = __builtin_inf(), d_ninf = -__builtin_inf(), d_nan = __builtin_nan(""), d_nnan = -__builtin_nan("");
double d_snan = __builtin_nans("");
double d_tie = 0.125, d_2p60 = 1152921504606846976.0, d_big_int = 123456789012345678.0;
long double ld_pi = 3.14L, ld_third = 1.0L / 3, ld_big = 1e4000L, ld_tiny = 1e-4940L, ld_inf = __builtin_infl(), ld_nan = __builtin_nanl("");
_Float128 q_tenth = 0.1f128, q_one = 1.0f128, q_third = 1.0f128 / 3;
__float128 q2_big = 1e300Q;
_Float16 h_third = 1.0f16 / 3, h_max = 65504.0f16;
_Complex double cd = 1.0 - 2.0i;
_Complex float cf = 0.5f + 0.25if;
_Complex long double cld = 1.5L + 2.0iL;
_Complex _Float128 cq = __builtin_complex(1.5f128, 0.1f128);
_Decimal32 dec32 = 1.5df, dec32_small = -0.000001df, dec32_big = 9999999e90df;
_Decimal64 dec64 = 1.50dd, dec64_zero = 0.00dd, dec64_e300 = 1e300dd, dec64_digits = 123456789012345.6dd;
_Decimal64 dec64_tiny = 1.2e-7dd, dec64_int = 1200.dd, dec64_inf = __builtin_infd64(), dec64_nan = __builtin_nand64("");
_Decimal128 dec128 = 0.1dl, dec128_big = 1234567890123456789012345678901234e10dl;

/* ---- pointers and functions ---- */
int counter = 7;
int arr[5] = {1, 2, 3, 4, 5};
int *p_counter = &counter;
int *p_null = 0;
int *p_mid = &arr[3];
void *vp = &counter;
const int *p_const = &counter;
int *const p_constptr = &counter;
int **pp = &p_counter;
double darr[3] = {1.5, -0.0, 1e-300};
double *p_double = &darr[1];
typedef int *intptr;
intptr ip_td = &arr[1];

int twice(int x) { return 2 * x; }
void noop(void) {}
int sum(int n, ...) { return n; }
static int helper(double d) { return (int)d; }
int add(int a, int b) { return a + b; }
typedef int (*binop)(int, int);

int (*fp_twice)(int) = twice;
int (*fp_null)(int) = 0;
void (*fp_noop)(void) = noop;
int (*fp_sum)(int, ...) = sum;
int (*fp_helper)(double) = helper;
binop op_add = add;
int (*fp_arr[3])(int) = {twice, 0, twice};
void *code_ptr = (char *)twice + 4;

/* ---- strings ---- */
char *str = "hello, world";
const char *cstr = "const";
char *const kstr = "const pointer";
char *esc_str = "tab\there\nnl \"q\" 'a' \\ \033 \177 \351 end";
char *empty_str = "";
char *long_str =
    "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij"
    "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij"
    "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij";
char *len200_str =
    "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij"
    "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij"
    "0123456789abcdefghij0123456789";
char *rep_str = "xaaaaaaaaaaaaay";
char *rep10_str = "baaaaaaaaaac";
char *rep11_str = "baaaaaaaaaaac";
char *rep_quote_str = "''''''''''''\"\"\"\"\"\"\"\"\"\"\"\"";
char *high_str = "caf\303\251 \351\351\351\351\351\351\351\351\351\351\351\351";
char buf_data[32] = "0123456789";
char *str_in_buf = buf_data + 2;
char *bad_ptr = (char *)16;
unsigned char *ustr = (unsigned char *)"unsigned";
signed char *sstr = (signed char *)"signed";
mychar *my_str = "typed";
typedef char *str_t;
str_t td_str = "td";
typedef const char *cstr_t;
cstr_t td_cstr = "tdc";
wchar_t *wstr = L"wide \xe9 \x4e2d1";
char16_t *u16str = u"utf16 \xe9";
char32_t *u32str = U"utf32";
char *strs[3] = {"one", "two", 0};
const char *const cstrs[2] = {"x", "y"};

/* UTF-8 text: characters under a UTF-8 locale (charset 'utf-8'), escapes under LC_ALL=C. */
char *utf_str = "caf\303\251 \344\270\255 \360\237\230\200 end";
char *utf_bad = "bad \351 byte \300\200 overlong \355\240\200 surrogate \364\220\200\200 big \340\200\200 e0";
char *utf_classes = "\302\240nbsp \342\200\213zwsp \342\200\250ls \356\200\200pua \315\270unassigned \302\205nel "
                    "\303\251\303\251\303\251\303\251\303\251\303\251\303\251\303\251\303\251\303\251\303\251";
char utf_arr[8] = "\303\251t\303\251";
char utf_cut[3] = {'x', (char)0xe2, (char)0x82};
char utf_cut_bad[3] = {'x', (char)0xe2, 'y'};
char utf_trail[6] = "ab\303";
char *utf_quote = "\342\200\234q\342\200\235 \\ \"";
wchar_t utf_wide[6] = L"\xe9\x4e2d\x1f600\x85";
char c_utf_lead = (char)0xc3;

/* Strings that run into an unmapped page (mapped at EDGE_PAGE before main). */
#define EDGE_PAGE 0x20000000UL
char *edge_abc = (char *)(EDGE_PAGE + 4096 - 3);
char *edge_long = (char *)(EDGE_PAGE + 4096 - 300);
char *edge_nul = (char *)(EDGE_PAGE + 4096 - 4);
char *edge_after = (char *)(EDGE_PAGE + 4096);
char *edge_exact = (char *)(EDGE_PAGE + 100);

/* ---- arrays ---- */
int arr_rep[20] = {1, [1 ... 15] = 2, 3, 4, 5, 6};
int a10[10] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
int a11[11] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
int big[300] = {
#define R10(b) b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9
#define R100(b) R10(b), R10(b + 10), R10(b + 20), R10(b + 30), R10(b + 40), R10(b + 50), R10(b + 60), R10(b + 70), R10(b + 80), R10(b + 90)
    R100(0), R100(100), R100(200)};
int big_rep[300];
/* 260, not 250: src/dwarf/types.ts reads a DW_FORM_data1 upper bound (128..255 elements) as negative. */
int mixed_rep[260] = {R100(0), R10(100), R10(110), R10(120), R10(130), R10(140), R10(150), R10(160), R10(170), R10(180), 190, 191, 192, 193, 194, [195 ... 214] = -1, 1, 2, 3};
int grid[3][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}};
int zero_grid[20][20];
int g2[25][12];
int big_grid[30][30] = {[0 ... 29] = {R10(0), R10(10), R10(20)}};
float farr[12] = {1.5f, [1 ... 11] = 2.5f};
char carr[16] = "abc";
char cfull[4] = "abcd";
char c5[5] = "abc";
char cz[16];
char crep[32] = "xaaaaaaaaaaaaay";
char names[3][8] = {"ab", "cd", "ef"};
unsigned char ucarr[4] = {1, 2, 200, 0};
signed char scarr[3] = {-1, 'A', 0};
char big_chars[300] = {[0 ... 249] = 'a'};
char long_chars[260] = {R100(33), R100(33), R10(33), R10(43), R10(53), R10(63), R10(73)};
char escapes[] = "tab\t\"q\"\\";
wchar_t warr[8] = L"wide";
char16_t u16arr[4] = u"ab";
wchar_t hexnext[4] = {0x4e2d, '1', 'g', 0};
wchar_t octnext[3] = {0xe9, '1', 0};
char16_t u16pair[4] = {0xd83d, 0xde00, 'x', 0};
char16_t u16lone[3] = {0xde00, 'x', 0};
char16_t u16cut[2] = {'x', 0xd83d};
char16_t u16cut2[4] = {'x', 'y', 'y', 0xd83d};
char32_t u32arr[4] = U"xy";
bool barr[3] = {true, false, true};
typedef int v4si __attribute__((vector_size(16)));
v4si vec = {1, 2, 3, 4};
typedef char v8qi __attribute__((vector_size(8)));
v8qi cvec = {'a', 'b', 'c', 'd', 0, 0, 0, 0};
int deep[1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1][1] = {0};

/* ---- structs, unions, enums ---- */
struct point { int x, y; };
struct point pt = {1, 2};
struct point pts[12];
struct point pts2[3] = {{1, 2}, {1, 2}, {3, 4}};
struct point *p_pt = &pts2[1];
typedef struct point point_t;
point_t tpt = {-1, -2};
point_t *p_tpt = &tpt;

enum color { RED, GREEN, BLUE };
enum flags { F_READ = 1, F_WRITE = 2, F_EXEC = 4 };
enum sparse { S_ONE = 1, S_THREE = 3, S_TEN = 10 };
enum negative { NEG = -1, POS = 1 };
enum bigenum { BIG = 0x100000000LL };
enum color col_red = RED, col_blue = BLUE, col_3 = 3, col_7 = 7;
enum flags fl_rw = F_READ | F_WRITE, fl_none = 0, fl_unknown = 8, fl_mix = 9, fl_exec = F_EXEC;
enum sparse sp_three = S_THREE, sp_5 = 5;
enum negative neg_neg = NEG, neg_7 = -7;
enum bigenum big_enum = BIG, big_3 = 3;
typedef enum { T_A = 5, T_B } anon_enum_t;
anon_enum_t anon_enum = T_B;

struct mixed {
  char c;
  short s;
  int i;
  long l;
  float f;
  double d;
  char name[8];
  const char *label;
  struct point at;
  int *ptr;
  int (*cb)(int);
  enum color col;
  bool ok;
  _Complex double z;
} mx = {'m', -3, 100000, -5000000000L, 2.5f, 0.1, "nm", "lbl", {3, 4}, &counter, twice, GREEN, true, 1.0 + 1.0i};

struct inner { struct point p; int vals[3]; };
union num { int i; float f; char bytes[4]; };
struct outer { struct inner in; union num u; struct inner arr[2]; } nest = {{{1, 2}, {3, 4, 5}}, {.i = 0x41424344}, {{{0, 0}, {0, 0, 0}}, {{0, 0}, {0, 0, 0}}}};
union num un = {.f = 1.5f};

struct anon {
  int x;
  union { int u1; float u2; };
  struct { int a, b; };
  struct { int c; } named;
} an = {1, {2}, {3, 4}, {5}};

struct bits {
  unsigned a : 3;
  int b : 5;
  bool flag : 1;
  unsigned long long wide : 40;
  enum color col : 4;
  int : 0;
  signed char sc : 3;
  unsigned char uc : 7;
  int neg1 : 1;
} bf = {5, -3, 1, 0x123456789aULL, BLUE, -2, 100, -1};

struct empty {} es;
struct flex { int n; int data[]; } flex = {3};
struct zlen { int n; int z[0]; char cz[0]; } zl = {4};
struct cflex { int n; char text[]; } cflex = {2};
typedef struct { int a; char tag; } anon_t;
anon_t anon_s = {5, 't'};
struct cb { int (*f)(int); const char *name; binop op; } cbv = {twice, "tw", add};
struct with_strs { char *list[2]; char inl[6]; wchar_t w[3]; } wss = {{"l0", 0}, "inl", L"w"};
struct list { int v; struct list *next; } l2 = {2, 0}, l1 = {1, &l2};
struct opaque;
struct opaque *op_ptr = (struct opaque *)&counter;
struct holder { struct point pts[12]; int tail; } holder = {.tail = 9};

/* ---- locals for `info locals` and a return value for `finish` ---- */
struct point *ret_ptr(void) { return &pts2[2]; }
double ret_double(void) { return 2.75; }
struct point ret_struct(void) { struct point p = {8, 9}; return p; }

void probe(void) {
  static int *s_ptr = &counter;
  static char *s_str = "static";
  static struct point *s_pt = &pt;
  static struct point s_val = {6, 7};
  (void)s_ptr; (void)s_str; (void)s_pt; (void)s_val;
}

/* One page of strings followed by an unmapped one, before main() runs. */
__attribute__((constructor)) static void map_edge_page(void) {
  char *page = mmap((void *)EDGE_PAGE, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (page == MAP_FAILED) return;
  munmap(page + 4096, 4096);
  memset(page + 4096 - 300, 'z', 296);
  memcpy(page + 4096 - 4, "\0abc", 4);
  memset(page + 100, 'q', 200);
}

int main(void) {
  probe();
  ret_ptr();
  ret_double();
  ret_struct();
  return 0;
}
