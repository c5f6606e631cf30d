/* Debugger scenarios: a loop that never ends. */
volatile unsigned long spins;

int main(void)
{
  for (;;)
    spins++;
  return 0;
}
