/* Thread scenarios (test/dbg-watch.test.ts): three threads spin while main stops at a breakpoint. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 3

static volatile int release;
static volatile int ready;
static long spins[NTHREADS + 1];

static void spin(long id) {
  while (!release) spins[id]++;
}

static void *worker(void *arg) {
  long id = (long)arg;
  __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
  spin(id);
  return NULL;
}

int main(void) {
  pthread_t th[NTHREADS];
  for (long i = 0; i < NTHREADS; i++) pthread_create(&th[i], NULL, worker, (void *)(i + 1));
  while (ready < NTHREADS) ;
  release = 0;
  release = 1;
  for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
  printf("done\n");
  return 0;
}
