/* A DEEPBIND-loaded library reads `environ` directly (uv_os_environ) and
 * through getenv; the program's setenv must be visible to both, and the
 * library's uv_os_setenv to the program; errno crosses too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zlib.h>

int main(void) {
  setenv("HOTLINK_CROSS", "yes", 1);
  char buf[64];
  size_t n = sizeof buf;
  int r = uv_os_getenv("HOTLINK_CROSS", buf, &n);
  printf("uv_os_getenv after setenv: %s\n", r ? uv_strerror(r) : buf);
  uv_env_item_t *items;
  int count, found = 0;
  if (uv_os_environ(&items, &count) == 0) {
    for (int i = 0; i < count; i++) found += strcmp(items[i].name, "HOTLINK_CROSS") == 0;
    uv_os_free_environ(items, count);
  }
  printf("uv_os_environ sees it: %d\n", found);
  uv_os_setenv("HOTLINK_BACK", "1");
  printf("getenv after uv_os_setenv: %s\n", getenv("HOTLINK_BACK") ? getenv("HOTLINK_BACK") : "(null)");
  errno = 0;
  gzFile g = gzopen("/nonexistent/dir/x.gz", "rb");
  printf("gzopen: %s errno %d\n", g ? "opened" : "failed", errno);
  return 0;
}
