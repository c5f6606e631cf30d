/* Dense switches that become jump tables at -O2 (table in .rodata with
 * relocations, or PC-relative offsets under PIC), and a switch that becomes
 * a lookup table of string pointers (CSWTCH in .data.rel.ro). */
#include <stdio.h>

__attribute__((noinline)) static long dense(int op, long x) {
    switch (op) {
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x - 7;
    case 3: return x << 2;
    case 4: return x ^ 0x55;
    case 5: return x / 3;
    case 6: return x % 11;
    case 7: return -x;
    case 8: return x * x;
    case 9: return x | 0x100;
    case 10: return x & 0xff;
    case 11: return x + 1000;
    case 12: return x * 17 + 3;
    case 13: return x >> 1;
    case 14: return x - 123456;
    case 15: return ~x;
    case 16: return x * 5 - 2;
    case 17: return x + x / 2;
    case 18: return x % 7 + 40;
    case 19: return x * 101;
    default: return 0;
    }
}

__attribute__((noinline)) static const char *month_name(int m) {
    switch (m) {
    case 1: return "January";
    case 2: return "February";
    case 3: return "March";
    case 4: return "April";
    case 5: return "May";
    case 6: return "June";
    case 7: return "July";
    case 8: return "August";
    case 9: return "September";
    case 10: return "October";
    case 11: return "November";
    case 12: return "December";
    default: return "?";
    }
}

__attribute__((noinline)) static int classify(char c) {
    switch (c) {
    case 'a': case 'e': case 'i': case 'o': case 'u': return 1;
    case 'b': case 'c': case 'd': case 'f': case 'g': return 2;
    case 'h': case 'j': case 'k': case 'l': case 'm': return 3;
    case 'n': case 'p': case 'q': case 'r': case 's': return 4;
    case 't': case 'v': case 'w': case 'x': case 'y': return 5;
    case 'z': return 6;
    default: return 0;
    }
}

int main(void) {
    long acc = 12345;
    for (int round = 0; round < 3; round++)
        for (int op = -1; op <= 21; op++) {
            acc = dense(op, acc) + op;
            printf("round %d op %d -> %ld\n", round, op, acc);
            if (acc == 0) acc = 99;
        }
    for (int m = 0; m <= 13; m++) printf("month %d = %s\n", m, month_name(m));
    const char *text = "the quick brown fox jumps over the lazy dog!";
    for (const char *p = text; *p; p++) putchar('0' + classify(*p));
    putchar('\n');
    return 0;
}
