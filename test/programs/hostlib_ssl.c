/* libcrypto's SHA-256 and an SSL_CTX from libssl, created and freed: both
 * libraries' internal calls must stay inside the system OpenSSL (node
 * exports its own, different OpenSSL). */
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *msg = argc > 1 ? argv[1] : "hotlink";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) || !EVP_DigestUpdate(c, msg, strlen(msg)) || !EVP_DigestFinal_ex(c, md, &n)) return 1;
  EVP_MD_CTX_free(c);
  printf("sha256(%s) = ", msg);
  for (unsigned int i = 0; i < n; i++) printf("%02x", md[i]);
  printf("\n");
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  if (!ctx) return 2;
  if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) return 3;
  SSL *ssl = SSL_new(ctx);
  if (!ssl) return 4;
  printf("ctx ok, min proto %lx, ssl version %s, library %s\n", (long)SSL_CTX_get_min_proto_version(ctx), SSL_get_version(ssl),
         strcmp(OpenSSL_version(OPENSSL_VERSION), OPENSSL_VERSION_TEXT) == 0 ? "matches header" : OpenSSL_version(OPENSSL_VERSION));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return 0;
}
