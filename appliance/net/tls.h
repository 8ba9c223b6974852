// TLS contexts for STARTTLS. The server context uses the configured
// certificate, or a self-signed one created on first start (so STARTTLS works
// out of the box, as with Postfix's snakeoil certificate); the client context
// is opportunistic (RFC 7435): encrypt when offered, no authentication.
#pragma once

#include <Poco/Net/Context.h>

#include <string>

namespace moat::net {

// Creates cert_path/key_path (EC P-256, SHA-256, 10 years, CN=hostname)
// unless both exist. The key file is written mode 0600.
void ensureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                 const std::string& hostname);

Poco::Net::Context::Ptr serverTlsContext(const std::string& cert_path, const std::string& key_path);
Poco::Net::Context::Ptr clientTlsContext();

}  // namespace moat::net
