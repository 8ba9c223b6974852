#include "store/domains.h"

#include <Poco/Data/Statement.h>

#include <stdexcept>

#include "net/cidr.h"
#include "store/store.h"
#include "util/ascii_text.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

[[noreturn]] void badName(std::string_view name, const std::string& why) {
    throw std::invalid_argument("invalid domain name '" + log::printable(name, 100) + "': " + why);
}

std::string backendHost(std::string_view host) {
    if (host.empty()) throw std::invalid_argument("backend host must not be empty");
    if (auto ip = net::parseIp(host)) return net::canonicalIp(*ip);
    try {
        return normaliseDomainName(host);
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument("invalid backend host '" + log::printable(host, 100) +
                                    "': not a host name or IP address");
    }
}

}  // namespace

std::string normaliseDomainName(std::string_view name) {
    if (name.empty()) badName(name, "empty");
    if (name.back() == '.') badName(name, "must not end with a dot");
    if (name.size() > 253) badName(name, "longer than 253 characters");
    std::string out;
    out.reserve(name.size());
    std::size_t label_start = 0;
    bool label_numeric = true;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        if (i == name.size() || name[i] == '.') {
            std::size_t len = i - label_start;
            if (len == 0) badName(name, "empty label");
            if (len > 63) badName(name, "label longer than 63 characters");
            if (name[label_start] == '-' || name[i - 1] == '-')
                badName(name, "a label must not start or end with '-'");
            if (i == name.size() && label_numeric)
                badName(name, "the last label must not be all digits");
            if (i < name.size()) out.push_back('.');
            label_start = i + 1;
            label_numeric = true;
            continue;
        }
        char c = util::lowerAscii(name[i]);
        bool digit = c >= '0' && c <= '9';
        if (!digit && !(c >= 'a' && c <= 'z') && c != '-')
            badName(name,
                    "only letters, digits, '-' and '.' are allowed (use the xn-- form for IDNs)");
        if (!digit) label_numeric = false;
        out.push_back(c);
    }
    return out;
}

std::vector<Domain> listDomains(Poco::Data::Session& session) {
    std::vector<Poco::Int64> ids, created;
    std::vector<std::string> names, hosts, options;
    std::vector<int> ports;
    session << "SELECT id, name, backend_host, backend_port, options, created FROM domains ORDER "
               "BY name",
        into(ids), into(names), into(hosts), into(ports), into(options), into(created), now;
    std::vector<Domain> out(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        out[i].id = ids[i];
        out[i].name = names[i];
        out[i].backend_host = hosts[i];
        out[i].backend_port = static_cast<std::uint16_t>(ports[i]);
        out[i].options = options[i];
        out[i].created = created[i];
    }
    return out;
}

std::optional<Domain> findDomain(Poco::Data::Session& session, std::string_view name) {
    std::string key(name);
    std::vector<Poco::Int64> ids, created;
    std::vector<std::string> names, hosts, options;
    std::vector<int> ports;
    session << "SELECT id, name, backend_host, backend_port, options, created FROM domains WHERE "
               "name = ?",
        use(key), into(ids), into(names), into(hosts), into(ports), into(options), into(created),
        now;
    if (ids.empty()) return std::nullopt;
    Domain d;
    d.id = ids[0];
    d.name = names[0];
    d.backend_host = hosts[0];
    d.backend_port = static_cast<std::uint16_t>(ports[0]);
    d.options = options[0];
    d.created = created[0];
    return d;
}

std::optional<Domain> findDomainById(Poco::Data::Session& session, long long id) {
    Poco::Int64 key = id;
    std::vector<std::string> names;
    session << "SELECT name FROM domains WHERE id = ?", use(key), into(names), now;
    if (names.empty()) return std::nullopt;
    return findDomain(session, names[0]);
}

Domain addDomain(Poco::Data::Session& session, std::string_view name, std::string_view backend_host,
                 std::uint16_t backend_port) {
    Domain d;
    d.name = normaliseDomainName(name);
    d.backend_host = backendHost(backend_host);
    if (backend_port == 0) throw std::invalid_argument("backend port must be between 1 and 65535");
    d.backend_port = backend_port;
    d.created = nowSeconds();

    int port = d.backend_port;
    Poco::Int64 created = d.created;
    Poco::Data::Statement insert(session);
    insert << "INSERT INTO domains (name, backend_host, backend_port, options, created) VALUES (?, "
              "?, ?, ?, ?)"
              " ON CONFLICT (name) DO NOTHING",
        use(d.name), use(d.backend_host), use(port), use(d.options), use(created);
    if (insert.execute() == 0) throw std::invalid_argument("domain " + d.name + " already exists");
    auto stored = findDomain(session, d.name);
    if (!stored)
        throw std::runtime_error("domain " + d.name + " vanished right after it was added");
    return *stored;
}

bool setDomainBackend(Poco::Data::Session& session, long long id, std::string_view backend_host,
                      std::uint16_t backend_port) {
    std::string host = backendHost(backend_host);
    if (backend_port == 0) throw std::invalid_argument("backend port must be between 1 and 65535");
    int port = backend_port;
    Poco::Int64 key = id;
    Poco::Data::Statement update(session);
    update << "UPDATE domains SET backend_host = ?, backend_port = ? WHERE id = ?", use(host), use(port),
        use(key);
    return update.execute() > 0;
}

bool setDomainOptions(Poco::Data::Session& session, const std::string& name, const std::string& options_json) {
    std::string n = name, json = options_json;
    Poco::Data::Statement update(session);
    update << "UPDATE domains SET options = ? WHERE name = ?", use(json), use(n);
    return update.execute() > 0;
}

bool removeDomain(Poco::Data::Session& session, std::string_view name) {
    std::string key(name);
    Poco::Data::Statement del(session);
    del << "DELETE FROM domains WHERE name = ?", use(key);
    return del.execute() > 0;
}

}  // namespace moat::store
