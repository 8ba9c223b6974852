#include "policy/known_zones.h"

namespace moat::policy {

namespace {

constexpr std::string_view kSpamhausTerms =
    "Free only for low-volume, non-commercial use (Spamhaus fair-use policy; others need a paid "
    "Data Query Service account); refuses queries that come through public resolvers (Google, "
    "Cloudflare, Quad9...): needs a resolver of your own, such as the appliance's unbound.";

constexpr KnownZone kKnownZones[] = {
    {"Spamhaus ZEN", "dnsbl", "zen.spamhaus.org",
     "client addresses: spam sources, hijacked and infected hosts, end-user ranges (SBL, XBL, PBL)",
     kSpamhausTerms, 8, "127.0.0.2-127.0.0.11",
     "https://check.spamhaus.org/listed/?searchterm={ip}"},
    {"Spamhaus DBL", "rhsbl", "dbl.spamhaus.org",
     "sender domains and HELO names used for spam, phishing and malware", kSpamhausTerms, 5,
     "127.0.1.2-127.0.1.99", "https://check.spamhaus.org/listed/?searchterm={domain}"},
    {"SpamCop", "dnsbl", "bl.spamcop.net",
     "client addresses reported by SpamCop's users in the last day or so",
     "Free, no registration; aggressive and short-lived listings: SpamCop advises scoring or "
     "tagging on it rather than refusing on its listing alone.",
     4, "127.0.0.2", "https://www.spamcop.net/w3m?action=checkblock&ip={ip}"},
    // multi.uribl.com answers a bit mask: 2 black, 4 grey, 8 red; 127.0.0.1 means
    // "query refused". The mask takes black or red, with or without grey.
    {"URIBL", "uribl", "multi.uribl.com",
     "domains in the links of spam messages (the content checks)",
     "Free through its public mirrors for low-volume use only (heavy or commercial users need a "
     "paid data feed); refuses queries from large public resolvers: needs a resolver of your own.",
     5, "127.0.0.2,127.0.0.6,127.0.0.8,127.0.0.10,127.0.0.12,127.0.0.14", ""},
};

}  // namespace

std::span<const KnownZone> knownZones() {
    return kKnownZones;
}

}  // namespace moat::policy
