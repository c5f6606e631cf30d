#include <stdio.h>

int counter;

void step_counter(int by) {
    counter += by;
}

int main(void) {
    for (int i = 0; i < 5; i++) step_counter(1);
    printf("counter = %d\n", counter);
    return 0;
}
