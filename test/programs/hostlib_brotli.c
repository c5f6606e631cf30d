/* Brotli round trip through the system libbrotlienc/libbrotlidec (node
 * exports its own brotli). */
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  static uint8_t in[50000], out[60000], back[50000];
  for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)("brotli, hotlink! "[i % 17] + (i / 4099));
  size_t outSize = sizeof out;
  if (!BrotliEncoderCompress(9, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, sizeof in, in, &outSize, out)) return 1;
  /* Streaming decoder (the instance API uses the library's allocator and internal calls). */
  BrotliDecoderState *d = BrotliDecoderCreateInstance(NULL, NULL, NULL);
  if (!d) return 2;
  const uint8_t *next_in = out;
  size_t avail_in = outSize, avail_out = sizeof back, total = 0;
  uint8_t *next_out = back;
  BrotliDecoderResult r = BrotliDecoderDecompressStream(d, &avail_in, &next_in, &avail_out, &next_out, &total);
  BrotliDecoderDestroyInstance(d);
  printf("brotli %zu -> %zu, result %d, total %zu, same %d, enc %x dec %x\n", sizeof in, outSize, (int)r, total,
         memcmp(in, back, sizeof in) == 0, BrotliEncoderVersion(), BrotliDecoderVersion());
  return 0;
}
