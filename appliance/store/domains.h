// The protected domains: mail for each is accepted and relayed to its backend
// (backend_host:backend_port). Names are stored lower-case without a trailing
// dot and compared case-insensitively. add and remove fire the store's
// generation trigger, so a running moat-smtpd picks changes up by itself.
// Bad input (syntax, duplicates) throws std::invalid_argument with a message
// fit for the operator; database failures throw Poco::Data exceptions.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct Domain {
    long long id = 0;
    std::string name;
    std::string backend_host;
    std::uint16_t backend_port = 25;
    std::string options = "{}";  // JSON object; per-domain policy settings
    long long created = 0;
};

// The lower-cased name if `name` is a syntactically valid DNS name (LDH
// labels of 1..63 bytes, at most 253 bytes, last label not all digits);
// throws std::invalid_argument naming the problem otherwise.
std::string normaliseDomainName(std::string_view name);

std::vector<Domain> listDomains(Poco::Data::Session& session);  // ordered by name
std::optional<Domain> findDomain(Poco::Data::Session& session, std::string_view name);

std::optional<Domain> findDomainById(Poco::Data::Session& session, long long id);

// Adds a domain; backend_host is a host name or an IP literal (IPv6 without
// brackets). Returns the stored row.
Domain addDomain(Poco::Data::Session& session, std::string_view name, std::string_view backend_host,
                 std::uint16_t backend_port);

// Points the domain at another backend (validated as for addDomain). False if
// there is no such domain.
bool setDomainBackend(Poco::Data::Session& session, long long id, std::string_view backend_host,
                      std::uint16_t backend_port);

// Replaces the domain's per-domain settings (a JSON object the caller built
// and validated). False if there is no such domain.
bool setDomainOptions(Poco::Data::Session& session, const std::string& name, const std::string& options_json);

// False if there was no such domain.
bool removeDomain(Poco::Data::Session& session, std::string_view name);

}  // namespace moat::store
