/* A libuv loop with a timer and an idle handle (node exports its own libuv). */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

static int idles, ticks;
static uv_idle_t idle;
static uv_timer_t timer;

static void on_idle(uv_idle_t *h) {
  if (++idles == 5) uv_idle_stop(h);
}

static void on_timer(uv_timer_t *h) {
  printf("tick %d (idle ran %d times)\n", ++ticks, idles);
  if (ticks == 3) uv_timer_stop(h);
}

int main(void) {
  uv_loop_t *loop = malloc(sizeof *loop);
  if (uv_loop_init(loop)) return 1;
  uv_idle_init(loop, &idle);
  uv_idle_start(&idle, on_idle);
  uv_timer_init(loop, &timer);
  uv_timer_start(&timer, on_timer, 5, 5);
  int r = uv_run(loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&idle, NULL);
  uv_close((uv_handle_t *)&timer, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  printf("uv_run %d, alive %d, close %d, version %s\n", r, uv_loop_alive(loop), uv_loop_close(loop), uv_version_string());
  free(loop);
  return 0;
}
