/* __thread variables (initialized .tdata and zeroed .tbss), defined in two
 * files, read and written from the main thread and two pthreads. Each
 * thread must see its own copy with the initial values. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

__thread int tls_counter = 5;           /* .tdata */
static __thread char tls_name[32];      /* .tbss */
static __thread long tls_big[64];       /* .tbss, larger */

extern __thread int other_tls;          /* defined in other.c (initial 1000) */
int other_tls_bump(int by);
int *other_tls_address(void);

struct result { int id; int counter; int other; long big_sum; char name[32]; int other_addr_is_mine; };

static void work(int id, struct result *r) {
    snprintf(tls_name, sizeof tls_name, "thread-%d", id);
    for (int i = 0; i < 64; i++) tls_big[i] = (long)i * id;
    for (int i = 0; i < 10 * id; i++) tls_counter++;
    other_tls_bump(id);
    other_tls += 1;
    r->id = id;
    r->counter = tls_counter;
    r->other = other_tls;
    r->big_sum = 0;
    for (int i = 0; i < 64; i++) r->big_sum += tls_big[i];
    strcpy(r->name, tls_name);
    r->other_addr_is_mine = other_tls_address() == &other_tls;
}

static void *thread_main(void *arg) {
    struct result *r = arg;
    work(r->id, r);
    return NULL;
}

static void print_result(const struct result *r) {
    printf("id %d: counter %d other %d big_sum %ld name %s addr_ok %d\n",
           r->id, r->counter, r->other, r->big_sum, r->name, r->other_addr_is_mine);
}

int main(void) {
    printf("main initial: counter %d other %d name '%s'\n", tls_counter, other_tls, tls_name);
    struct result results[3] = { { .id = 1 }, { .id = 2 }, { .id = 3 } };
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&threads[i], NULL, thread_main, &results[i]) != 0) { perror("pthread_create"); return 1; }
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    work(3, &results[2]);
    for (int i = 0; i < 3; i++) print_result(&results[i]);
    printf("main final: counter %d other %d name '%s'\n", tls_counter, other_tls, tls_name);
    return 0;
}
