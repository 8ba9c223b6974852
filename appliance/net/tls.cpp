#include "net/tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>

namespace moat::net {
namespace {

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

File openFile(const std::string& path, mode_t mode) {
    auto old = ::umask(static_cast<mode_t>(~mode & 0777));
    FILE* f = std::fopen(path.c_str(), "w");
    ::umask(old);
    if (!f) throw std::runtime_error("cannot write " + path);
    return File(f);
}

}  // namespace

void ensureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                 const std::string& hostname) {
    namespace fs = std::filesystem;
    if (fs::exists(cert_path) && fs::exists(key_path)) return;
    for (const auto& p : {cert_path, key_path}) {
        auto parent = fs::path(p).parent_path();
        if (!parent.empty()) fs::create_directories(parent);
    }

    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!key) throw std::runtime_error("TLS: key generation failed");
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    std::string cn = hostname.substr(0, 64);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);
    std::string san = "DNS:" + cn;
    if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str())) {
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("TLS: signing failed");

    std::string key_tmp = key_path + ".tmp", cert_tmp = cert_path + ".tmp";
    {
        File f = openFile(key_tmp, 0600);
        if (!PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
            throw std::runtime_error("TLS: cannot write key");
    }
    {
        File f = openFile(cert_tmp, 0644);
        if (!PEM_write_X509(f.get(), cert.get())) throw std::runtime_error("TLS: cannot write certificate");
    }
    fs::rename(key_tmp, key_path);
    fs::rename(cert_tmp, cert_path);
}

Poco::Net::Context::Ptr serverTlsContext(const std::string& cert_path, const std::string& key_path) {
    Poco::Net::Context::Params params;
    params.privateKeyFile = key_path;
    params.certificateFile = cert_path;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    params.cipherList = "HIGH:!aNULL:!MD5:!RC4:!3DES";
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    ctx->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                          Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    SSL_CTX_set_session_cache_mode(ctx->sslContext(), SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(ctx->sslContext(), reinterpret_cast<const unsigned char*>("moat"), 4);
    return ctx;
}

Poco::Net::Context::Ptr clientTlsContext() {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    params.cipherList = "DEFAULT";
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    ctx->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3);
    return ctx;
}

}  // namespace moat::net
