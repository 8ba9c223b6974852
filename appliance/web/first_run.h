// The one-time first-run link: with no administrator account, moat-webui
// creates a random secret valid for 24 hours, logs the link
// https://HOST:PORT/#/first-run/<secret>, and POST /api/v1/first-run with it
// creates the first administrator. The store keeps only the secret's SHA-256;
// a restart replaces an unused link; using it deletes it.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>

namespace moat::web {

constexpr long long kFirstRunValidity = 24 * 3600;

// A new secret when no administrator exists (older links are dropped);
// nullopt when one does.
std::optional<std::string> createFirstRunToken(Poco::Data::Session& db, long long now);

// Consumes the secret: true once for a valid, unexpired one.
bool consumeFirstRunToken(Poco::Data::Session& db, std::string_view secret, long long now);

}  // namespace moat::web
