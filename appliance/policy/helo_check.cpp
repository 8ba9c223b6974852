#include "policy/helo_check.h"

#include <Poco/String.h>

#include <algorithm>

#include "util/log.h"

namespace moat::policy {

Finding heloFinding(std::string_view text, const HeloName& parsed, std::string_view client_ip,
                    const Gateway& gateway) {
    std::string shown = log::printable(text, 100);
    auto hit = [&](const std::string& what) {
        return Finding::hit("helo", "HELO " + what,
                            mail::reply(550, "5.7.1", "Client host rejected: HELO " + what));
    };
    switch (parsed.kind) {
        case HeloName::Kind::invalid:
            return hit("name " + shown + " " + parsed.problem);
        case HeloName::Kind::name:
            if (Poco::icompare(parsed.value, Poco::toLower(gateway.hostname)) == 0)
                return hit("name " + shown + " is this gateway's own name");
            return Finding::clean("helo",
                                  "HELO name " + parsed.value + " is a fully qualified host name");
        case HeloName::Kind::address: {
            bool ours = std::find(gateway.addresses.begin(), gateway.addresses.end(),
                                  parsed.value) != gateway.addresses.end();
            if (parsed.value == client_ip)
                return Finding::clean(
                    "helo", "HELO address [" + parsed.value + "] is the client's address");
            if (ours) return hit("address " + shown + " is an address of this gateway");
            return hit("address " + shown + " is not the client's address [" +
                       std::string(client_ip) + "]");
        }
    }
    return hit("name " + shown + " is invalid");
}

}  // namespace moat::policy
