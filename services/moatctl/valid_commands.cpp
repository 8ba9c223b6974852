#include "valid_commands.h"

#include <iostream>
#include <iterator>
#include <stdexcept>

#include "policy/address_list.h"
#include "store/callout_cache.h"
#include "store/domains.h"
#include "store/valid_addresses.h"
#include "util/log.h"

namespace moat::moatctl {
namespace {

constexpr std::size_t kMaxPaste = std::size_t{64} << 20;  // bytes read from stdin

store::Domain domainOf(Poco::Data::Session& session, std::string_view name) {
    auto d = store::findDomain(session, name);
    if (!d) throw std::invalid_argument("no such domain: " + log::printable(name, 100));
    return *d;
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// An address given on the command line, in any form a paste accepts.
std::optional<std::string> argumentAddress(const std::string& text) {
    auto r = policy::parseAddressList(text);
    if (r.addresses.size() == 1 && r.errors.empty()) return r.addresses[0].address;
    std::string why = r.errors.empty() ? "expected one address" : r.errors[0].reason;
    std::cerr << "moatctl: '" << log::printable(text, 100) << "': " << why << "\n";
    return std::nullopt;
}

}  // namespace

int validAdd(Poco::Data::Session& session, std::string_view domain,
             const std::vector<std::string>& addresses) {
    auto d = domainOf(session, domain);
    int rc = 0;
    std::vector<std::string> canonical;
    for (const auto& a : addresses) {
        if (auto c = argumentAddress(a))
            canonical.push_back(*c);
        else
            rc = 1;
    }
    auto r = store::pasteValidAddresses(session, d.id, canonical, false);
    for (const auto& [index, why] : r.errors) {
        std::cerr << "moatctl: " << why << "\n";
        rc = 1;
    }
    std::cout << plural(r.added, "address", "addresses") << " added to " << d.name;
    if (r.present) std::cout << ", " << r.present << " already listed";
    std::cout << "\n";
    return rc;
}

int validPaste(Poco::Data::Session& session, std::string_view domain, bool replace,
               std::istream& in) {
    auto d = domainOf(session, domain);
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxPaste)
            throw std::invalid_argument("input longer than " + std::to_string(kMaxPaste >> 20) +
                                        " MB");
    }
    if (in.bad()) throw std::runtime_error("error reading stdin");

    auto list = policy::parseAddressList(text);
    std::vector<std::string> addresses;
    for (const auto& a : list.addresses) addresses.push_back(a.address);
    for (const auto& e : list.errors)
        std::cerr << "moatctl: line " << e.line << ": '" << e.text << "': " << e.reason << "\n";
    bool bad_items = !list.errors.empty();
    if (replace && bad_items)
        std::cerr << "moatctl: --replace: nothing removed because of the unreadable lines\n";
    auto r = store::pasteValidAddresses(session, d.id, addresses, replace && !bad_items);
    for (const auto& [index, why] : r.errors)
        std::cerr << "moatctl: line " << list.addresses[index].line << ": " << why << "\n";
    std::cout << plural(r.added, "address", "addresses") << " added to " << d.name;
    if (r.present) std::cout << ", " << r.present << " already listed";
    if (r.removed) std::cout << ", " << r.removed << " removed";
    std::size_t skipped = list.errors.size() + r.errors.size();
    if (skipped) std::cout << ", " << plural(skipped, "item", "items") << " skipped";
    std::cout << "\n";
    return skipped ? 1 : 0;
}

int validList(Poco::Data::Session& session, std::string_view domain) {
    auto d = domainOf(session, domain);
    for (const auto& a : store::listValidAddresses(session, d.id))
        std::cout << log::printable(a, 600) << "\n";
    return 0;
}

int validCount(Poco::Data::Session& session, std::string_view domain) {
    auto d = domainOf(session, domain);
    std::cout << store::countValidAddresses(session, d.id) << "\n";
    return 0;
}

int validRemove(Poco::Data::Session& session, std::string_view domain,
                const std::vector<std::string>& addresses) {
    auto d = domainOf(session, domain);
    int rc = 0;
    for (const auto& a : addresses) {
        auto c = argumentAddress(a);
        if (!c) {
            rc = 1;
        } else if (store::removeValidAddress(session, d.id, *c)) {
            std::cout << "removed " << log::printable(*c, 300) << " from " << d.name << "\n";
        } else {
            std::cerr << "moatctl: " << log::printable(*c, 300) << " is not listed for " << d.name
                      << "\n";
            rc = 1;
        }
    }
    return rc;
}

int calloutFlush(Poco::Data::Session& session, const std::optional<std::string>& address) {
    std::string key;
    if (address) {
        auto c = argumentAddress(*address);
        if (!c) return 1;
        key = *c;
    }
    auto n = store::flushCalloutEntries(session, key);
    std::cout << plural(n, "cached callout result", "cached callout results") << " forgotten\n";
    return 0;
}

}  // namespace moat::moatctl
