/* Debugger scenarios: a store through a NULL pointer the compiler cannot see. */
#include <stddef.h>

struct node { int value; struct node *next; };

struct node *head; /* never set: NULL */

__attribute__((noinline)) int poke(struct node *n, int v)
{
  int before = v * 2;
  n->value = before;
  return before;
}

int main(void)
{
  int r = poke(head, 21);
  return r;
}
