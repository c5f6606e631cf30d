int acc;
int classify(int x) {
  switch (x) {
  case 0: acc += 3; break;
  case 1: acc *= 5; break;
  case 2: acc -= 7; break;
  case 3: acc ^= 11; break;
  case 4: acc = acc * 2 + 1; break;
  case 5: acc = acc / 3; break;
  case 6: acc = -acc; break;
  default: acc = 0; break;
  }
  return acc;
}
int probe(void) {
  int r = 0;
  acc = 100;
  for (int i = 0; i < 7; i++) r += classify(i);
  return r;
}
