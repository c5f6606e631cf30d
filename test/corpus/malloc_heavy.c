/* Heavy malloc/calloc/realloc/free: a growing vector, a linked list, a hash
 * table of strdup'd keys. Output is checksums only (no addresses). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; long value; char payload[24]; };

struct entry { char *key; long count; struct entry *next; };
#define BUCKETS 1024

static unsigned hash(const char *s) {
    unsigned h = 2166136261u;
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

int main(void) {
    /* growing vector via realloc */
    size_t cap = 1, len = 0;
    long *vec = malloc(cap * sizeof *vec);
    for (long i = 0; i < 200000; i++) {
        if (len == cap) {
            cap *= 2;
            long *grown = realloc(vec, cap * sizeof *vec);
            if (!grown) { free(vec); return 1; }
            vec = grown;
        }
        vec[len++] = i * i % 1000003;
    }
    long vsum = 0;
    for (size_t i = 0; i < len; i++) vsum += vec[i];
    printf("vector len %zu sum %ld\n", len, vsum);
    vec = realloc(vec, 10 * sizeof *vec);
    printf("shrunk vector keeps prefix: %ld %ld %ld\n", vec[1], vec[5], vec[9]);
    free(vec);

    /* linked list: build, free every other node, rebuild */
    struct node *head = NULL;
    for (long i = 0; i < 50000; i++) {
        struct node *n = malloc(sizeof *n);
        n->value = i;
        snprintf(n->payload, sizeof n->payload, "node-%ld", i);
        n->next = head;
        head = n;
    }
    for (struct node *n = head; n && n->next; n = n->next) {
        struct node *victim = n->next;
        n->next = victim->next;
        free(victim);
    }
    long lsum = 0, count = 0;
    size_t plen = 0;
    for (struct node *n = head; n; n = n->next) { lsum += n->value; count++; plen += strlen(n->payload); }
    printf("list count %ld sum %ld payload bytes %zu\n", count, lsum, plen);
    while (head) { struct node *next = head->next; free(head); head = next; }

    /* hash table of words with strdup */
    struct entry **table = calloc(BUCKETS, sizeof *table);
    char word[32];
    unsigned seed = 7;
    for (int i = 0; i < 30000; i++) {
        seed = seed * 1664525u + 1013904223u;
        snprintf(word, sizeof word, "w%u", (seed >> 8) % 5000);
        unsigned b = hash(word) % BUCKETS;
        struct entry *e = table[b];
        while (e && strcmp(e->key, word) != 0) e = e->next;
        if (!e) {
            e = calloc(1, sizeof *e);
            e->key = strdup(word);
            e->next = table[b];
            table[b] = e;
        }
        e->count++;
    }
    long distinct = 0, total = 0, maxc = 0;
    for (int b = 0; b < BUCKETS; b++)
        for (struct entry *e = table[b]; e; e = e->next) {
            distinct++;
            total += e->count;
            if (e->count > maxc) maxc = e->count;
        }
    printf("hash distinct %ld total %ld max %ld\n", distinct, total, maxc);
    for (int b = 0; b < BUCKETS; b++) {
        struct entry *e = table[b];
        while (e) { struct entry *next = e->next; free(e->key); free(e); e = next; }
    }
    free(table);

    /* many small allocations of varying sizes */
    void *ptrs[4096];
    unsigned long touched = 0;
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 4096; i++) {
            size_t sz = (size_t)((i * 37 + round * 101) % 700) + 1;
            ptrs[i] = malloc(sz);
            memset(ptrs[i], i & 0xff, sz);
            touched += sz;
        }
        for (int i = 0; i < 4096; i++) free(ptrs[i]);
    }
    printf("small allocations touched %lu bytes\n", touched);
    return 0;
}
