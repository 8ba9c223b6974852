// A stand-in "libssl.so" for Debian bookworm's CivetWeb 1.15, which loads
// OpenSSL at run time with dlopen("libssl.so") and then looks up, among the
// functions it needs, SSL_get_peer_certificate — a real function in OpenSSL
// 1.1 but only a macro in OpenSSL 3, so the lookup fails and CivetWeb starts
// without TLS. This library depends on the real libssl.so.3 (so every other
// lookup through it finds OpenSSL's own functions) and adds the one missing
// symbol. moat-webui carries an RPATH to the directory holding this file,
// which dlopen searches before the system's libssl.so.
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate  // OpenSSL 3 defines it as SSL_get1_peer_certificate

extern "C" __attribute__((visibility("default"))) X509* SSL_get_peer_certificate(const SSL* ssl) {
    return SSL_get1_peer_certificate(ssl);  // 1.1's function also returned a new reference
}
