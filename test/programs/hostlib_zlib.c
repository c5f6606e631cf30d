/* gzip through deflateInit2/deflate/deflateReset/inflate: libz's own
 * deflateReset call (inside deflateInit2) must bind to libz itself. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static int gzip(z_stream *s, const unsigned char *in, size_t n, unsigned char *out, size_t cap) {
  s->next_in = (unsigned char *)in;
  s->avail_in = (uInt)n;
  s->next_out = out;
  s->avail_out = (uInt)cap;
  if (deflate(s, Z_FINISH) != Z_STREAM_END) return -1;
  return (int)(cap - s->avail_out);
}

int main(void) {
  static unsigned char in[20000], out[30000], back[20000];
  for (size_t i = 0; i < sizeof in; i++) in[i] = (unsigned char)("hotlink links C "[i % 16] ^ (i / 997));
  z_stream s;
  memset(&s, 0, sizeof s);
  if (deflateInit2(&s, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 1;
  int n1 = gzip(&s, in, sizeof in, out, sizeof out);
  if (deflateReset(&s) != Z_OK) return 2;
  int n2 = gzip(&s, in, sizeof in, out, sizeof out);
  deflateEnd(&s);
  unsigned long crc = crc32(0, out, (uInt)n2);
  z_stream t;
  memset(&t, 0, sizeof t);
  if (inflateInit2(&t, 16 + 15) != Z_OK) return 3;
  t.next_in = out;
  t.avail_in = (uInt)n2;
  t.next_out = back;
  t.avail_out = sizeof back;
  int r = inflate(&t, Z_FINISH);
  inflateEnd(&t);
  printf("gzip %d %d crc %08lx inflate %d same %d version %s\n", n1, n2, crc, r, memcmp(in, back, sizeof in) == 0, zlibVersion());
  return 0;
}
