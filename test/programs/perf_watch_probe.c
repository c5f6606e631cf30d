/* Probe for test/dbg-watch.test.ts: can this kernel give a process hardware watchpoints through
   perf_event_open(PERF_TYPE_BREAKPOINT) with sigtrap? Prints how many SIGTRAPs 3 writes delivered
   (3 when it can), or "errno N" when perf_event_open refuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int watched;
static volatile sig_atomic_t traps;

static void on_trap(int sig) {
  (void)sig;
  traps++;
}

int main(void) {
  signal(SIGTRAP, on_trap);
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.type = PERF_TYPE_BREAKPOINT;
  a.size = sizeof a;
  a.bp_type = HW_BREAKPOINT_W;
  a.bp_addr = (unsigned long)&watched;
  a.bp_len = sizeof watched;
  a.sample_period = 1;
  a.exclude_kernel = 1;
  a.exclude_hv = 1;
  a.sigtrap = 1;
  a.remove_on_exec = 1;
  if (syscall(SYS_perf_event_open, &a, 0, -1, -1, 0) < 0) {
    printf("errno %d\n", errno);
    return 0;
  }
  for (int i = 1; i <= 3; i++) watched = i;
  printf("%d\n", (int)traps);
  return 0;
}
