#include "token_commands.h"

#include <charconv>
#include <ctime>
#include <iostream>
#include <map>
#include <stdexcept>

#include "policy/token_address.h"
#include "store/client_events.h"
#include "store/domains.h"
#include "store/tokens.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/time_text.h"

namespace moat::moatctl {
namespace {

}  // namespace

int tokenList(Poco::Data::Session& session, const std::optional<std::string>& domain) {
    long long domain_id = 0;
    std::map<long long, std::string> names;
    for (const auto& d : store::listDomains(session)) names[d.id] = d.name;
    if (domain) {
        auto d = store::findDomain(session, *domain);
        if (!d) throw std::invalid_argument("no such domain: " + log::printable(*domain, 100));
        domain_id = d->id;
    }
    auto rows = store::listTokens(session, domain_id);
    if (rows.empty()) {
        std::cout << "no tokens\n";
        return 0;
    }
    long long now = util::policyNow();
    std::cout << "TOKEN     STATE    EXPIRES              RECIPIENT  SENDER\n";
    for (const auto& t : rows) {
        const char* state = t.used ? "used" : t.expires <= now ? "expired" : "valid";
        std::cout << t.token << "  " << state
                  << std::string(9 - std::string_view(state).size(), ' ') << util::localTimeText(t.expires)
                  << "  <" << log::printable(t.recipient) << ">  <" << log::printable(t.sender)
                  << ">";
        if (!domain)
            std::cout << "  (" << (names.count(t.domain_id) ? names[t.domain_id] : "?") << ")";
        std::cout << "\n";
    }
    std::cout << rows.size() << (rows.size() == 1 ? " token\n" : " tokens\n");
    return 0;
}

int tokenRevoke(Poco::Data::Session& session, std::string_view token) {
    auto canonical = policy::canonicalToken(token);
    if (!canonical)
        throw std::invalid_argument("not a token: '" + log::printable(std::string(token), 60) +
                                    "' (8 characters)");
    if (!store::deleteToken(session, *canonical)) {
        std::cerr << "moatctl: no token " << *canonical << "\n";
        return 1;
    }
    std::cout << "revoked " << *canonical << "\n";
    return 0;
}

int eventsList(Poco::Data::Session& session, const std::optional<std::string>& since) {
    long long from = 0;
    if (since) {
        long long seconds = 0;
        auto [end, ec] = std::from_chars(since->data(), since->data() + since->size(), seconds);
        if (since->empty() || ec != std::errc() || end != since->data() + since->size() ||
            seconds < 0)
            throw std::invalid_argument("--since needs a number of seconds, not '" +
                                        log::printable(*since, 60) + "'");
        from = util::policyNow() - seconds;
    }
    auto rows = store::listClientEvents(session, from);
    if (rows.empty()) {
        std::cout << "no client events\n";
        return 0;
    }
    for (const auto& e : rows)
        std::cout << util::localTimeText(e.ts) << "  " << e.ip << "  " << log::printable(e.kind) << "  "
                  << log::printable(e.detail) << "\n";
    return 0;
}

}  // namespace moat::moatctl
