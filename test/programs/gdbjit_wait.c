/* gdbjit.test: waits in a JIT function until killed, for gdb -p. */
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) void gdbjit_waiting(int rounds) {
    for (int i = 0; i < rounds; i++) pause();
}

int main(void) {
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    gdbjit_waiting(1000000);
    return 0;
}
