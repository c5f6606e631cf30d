/* Which zlib does the program get? Node's own binary exports its bundled
 * zlib (a Chromium fork with a different version string); -lz must bind to
 * the system's libz.so, as a native link does. */
#include <stdio.h>
#include <zlib.h>

int main(void) {
    printf("zlibVersion=%s ZLIB_VERSION=%s\n", zlibVersion(), ZLIB_VERSION);
    return 0;
}
