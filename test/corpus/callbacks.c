/* Function pointers passed into libc (qsort, bsearch) that call back into
 * linked code, and libc function pointers stored in our data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct person { const char *name; int age; };

static struct person people[] = {
    { "mallory", 41 }, { "alice", 30 }, { "trent", 55 }, { "bob", 25 },
    { "carol", 35 },   { "dave", 30 },  { "eve", 22 },   { "peggy", 48 },
};
#define NPEOPLE (sizeof people / sizeof people[0])

static int compare_calls;

static int by_age_then_name(const void *a, const void *b) {
    const struct person *pa = a, *pb = b;
    compare_calls++;
    if (pa->age != pb->age) return pa->age < pb->age ? -1 : 1;
    return strcmp(pa->name, pb->name);
}

static int by_name(const void *a, const void *b) {
    const struct person *pa = a, *pb = b;
    return strcmp(pa->name, pb->name);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* libc functions stored in initialized data (relocations against libc symbols) */
static int (*const printer)(const char *, ...) = printf;
static size_t (*measure)(const char *) = strlen;
static void (*const sorter)(void *, size_t, size_t, int (*)(const void *, const void *)) = qsort;

static void for_each(void (*fn)(const struct person *), const struct person *arr, size_t n) {
    for (size_t i = 0; i < n; i++) fn(&arr[i]);
}

static void show(const struct person *p) { printer("  %-8s %d\n", p->name, p->age); }

int main(void) {
    sorter(people, NPEOPLE, sizeof people[0], by_age_then_name);
    printf("sorted by age (compare called: %s)\n", compare_calls > 0 ? "yes" : "no");
    for_each(show, people, NPEOPLE);

    qsort(people, NPEOPLE, sizeof people[0], by_name);
    printf("sorted by name\n");
    for_each(show, people, NPEOPLE);

    const char *queries[] = { "carol", "zed", "alice", "peggy", "aaron" };
    for (size_t i = 0; i < 5; i++) {
        struct person key = { queries[i], 0 };
        struct person *hit = bsearch(&key, people, NPEOPLE, sizeof people[0], by_name);
        printf("bsearch %s -> %s\n", queries[i], hit ? hit->name : "(none)");
        if (hit) printf("  age %d, name length %zu\n", hit->age, measure(hit->name));
    }

    int nums[200];
    unsigned seed = 12345;
    for (int i = 0; i < 200; i++) { seed = seed * 1103515245u + 12345u; nums[i] = (int)(seed >> 16) % 1000; }
    qsort(nums, 200, sizeof nums[0], cmp_int);
    long checksum = 0;
    for (int i = 0; i < 200; i++) checksum = checksum * 31 + nums[i];
    printf("ints sorted: first %d last %d checksum %ld\n", nums[0], nums[199], checksum);
    int key = nums[123];
    int *found = bsearch(&key, nums, 200, sizeof nums[0], cmp_int);
    printf("found %d: %s\n", key, found && *found == key ? "yes" : "no");
    return 0;
}
