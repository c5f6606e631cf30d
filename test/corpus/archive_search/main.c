/* An archive found with -L<dir> -l<name>. Members are in the order
 * m_c.o, m_b.o, m_a.o: main needs m_a.o (last), which needs m_b.o (earlier
 * in the archive, so the archive must be rescanned); m_c.o is never needed
 * and references an undefined symbol. */
#include <stdio.h>

int entry_a(int);

int main(void) {
    printf("entry_a(3) = %d\n", entry_a(3));
    return 0;
}
