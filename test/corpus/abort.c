/* abort(): exit status 134 (SIGABRT). The flushed line must appear; the
 * unflushed one is lost natively (abort does not flush stdio, and stdout to
 * a pipe is fully buffered). hotlink reports the signal on stderr, so only
 * stdout and the status are compared. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    printf("before abort (flushed)\n");
    fflush(stdout);
    printf("still in the stdio buffer at abort\n");
    abort();
}
