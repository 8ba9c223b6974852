// The table of every policy setting: key, type, default, range and what it
// does, for validation, the console, moatctl and the docs. constexpr so that a
// setting key written in the code is checked against it when the code is
// compiled (policy/setting_key.h): a mistyped key does not build.
#pragma once

#include <string_view>

namespace moat::policy {

struct SettingSpec {
    // choice: one of `choices` ("off|score|tempfail|reject"); number: a decimal
    // within min..max; list: comma- or space-separated words, stored as
    // "a,b,c" in lower case (each item checked by `choices` when not empty);
    // text: printable ASCII kept as written (case preserved), max characters.
    enum class Type { boolean, integer, seconds, choice, number, list, text };
    std::string_view key;
    Type type;
    std::string_view default_value;
    long long min = 0, max = 0;  // integer, seconds and number
    std::string_view description;
    std::string_view choices = {};  // choice (and list, optionally): '|'-separated
};

// The actions of an SMTP-time check.
inline constexpr std::string_view kActionChoices = "off|score|tempfail|reject";

// clang-format off
inline constexpr SettingSpec kSettingSpecs[] = {
        {"filtering.enabled", SettingSpec::Type::boolean, "yes", 0, 0,
         "spam filtering for the domain: off skips the DNS, HELO, bot and sender checks, greylisting and content "
         "scoring (virus scanning, recipient validation and the allow/deny lists still apply)"},
        {"greylist.enabled", SettingSpec::Type::boolean, "no", 0, 0,
         "ask first-time senders to retry later (451 4.7.1); real mail servers do, most spam engines never"},
        {"greylist.delay", SettingSpec::Type::seconds, "300", 0, 86400, "seconds a first-time triplet must wait before a retry passes"},
        {"greylist.window", SettingSpec::Type::seconds, "14400", 60, 7 * 86400,
         "seconds after the first attempt during which a retry passes"},
        {"greylist.remember", SettingSpec::Type::seconds, "3110400", 3600, 366 * 86400,
         "seconds a passed triplet is remembered (36 days)"},
        {"greylist.auto_whitelist_passes", SettingSpec::Type::integer, "10", 0, 1000000,
         "passes after which a client network skips greylisting (0: never)"},

        // SMTP-time checks: each has an action (off, score, tempfail, reject) and
        // a weight added to the score when the action is score. See docs/checks.md.
        {"dns.failure", SettingSpec::Type::choice, "skip", 0, 0,
         "when a DNS lookup times out or fails: skip the check, or tempfail the client (4xx)", "skip|tempfail"},
        {"rdns.action", SettingSpec::Type::choice, "off", 0, 0, "the client IP has no reverse DNS (PTR) name", kActionChoices},
        {"rdns.weight", SettingSpec::Type::number, "2", 0, 1000, "score added when rdns.action is score"},
        {"fcrdns.action", SettingSpec::Type::choice, "off", 0, 0,
         "the client's PTR name does not resolve back to its IP (not forward-confirmed)", kActionChoices},
        {"fcrdns.weight", SettingSpec::Type::number, "1", 0, 1000, "score added when fcrdns.action is score"},
        {"dnsbl.action", SettingSpec::Type::choice, "reject", 0, 0,
         "the client IP is listed by an IP blocklist zone (weights per zone: moatctl zone)", kActionChoices},
        {"rhsbl.action", SettingSpec::Type::choice, "reject", 0, 0,
         "the sender domain or HELO name is listed by a domain blocklist zone (weights per zone)", kActionChoices},
        {"sender_domain.action", SettingSpec::Type::choice, "off", 0, 0,
         "the MAIL FROM domain has no MX, A or AAAA record (550 5.1.8; 450 4.1.8 when DNS fails)", kActionChoices},
        {"sender_domain.weight", SettingSpec::Type::number, "3", 0, 1000, "score added when sender_domain.action is score"},
        {"helo.action", SettingSpec::Type::choice, "off", 0, 0,
         "the HELO name is malformed, claims to be this gateway, or is an IP literal other than the client's",
         kActionChoices},
        {"helo.weight", SettingSpec::Type::number, "2", 0, 1000, "score added when helo.action is score"},
        {"country.action", SettingSpec::Type::choice, "reject", 0, 0,
         "the client IP is in a blocked country (country.blocked, looked up in the country zone)", kActionChoices},
        {"country.weight", SettingSpec::Type::number, "5", 0, 1000, "score added when country.action is score"},
        {"country.blocked", SettingSpec::Type::list, "", 0, 0,
         "ISO 3166 countries (alpha-2 like cn, or numeric like 156) whose clients the country check flags"},
        {"bot.action", SettingSpec::Type::choice, "reject", 0, 0,
         "the client talks before the greeting, pipelines before PIPELINING was offered, or sends bare newlines",
         kActionChoices},
        {"bot.weight", SettingSpec::Type::number, "5", 0, 1000, "score added when bot.action is score"},
        {"bot.greet_pause", SettingSpec::Type::seconds, "0", 0, 30,
         "seconds to wait before the 220 greeting, watching for clients that talk first (0: no pause)"},
        {"score.reject", SettingSpec::Type::number, "10", 0, 100000,
         "a transaction whose SMTP-time score reaches this is refused (550 5.7.1)"},
        {"score.reject_at", SettingSpec::Type::choice, "rcpt", 0, 0,
         "refuse an over-threshold transaction at RCPT, or only after DATA (to log its content)", "rcpt|data"},
        {"validation.list", SettingSpec::Type::boolean, "no", 0, 0,
         "recipients found in the domain's valid-address list are valid (moatctl valid)"},
        {"validation.smtp", SettingSpec::Type::boolean, "no", 0, 0,
         "ask the backend whether a recipient exists (SMTP callout: MAIL FROM:<>, RCPT TO:), cached"},
        {"validation.reject_nonvalidated", SettingSpec::Type::boolean, "no", 0, 0,
         "refuse recipients that list or SMTP validation could not confirm (550 5.1.1; 4xx if the backend is down)"},
        {"validation.positive_ttl", SettingSpec::Type::seconds, "604800", 60, 90 * 86400,
         "seconds a recipient the backend accepted is remembered"},
        {"validation.negative_ttl", SettingSpec::Type::seconds, "10800", 60, 90 * 86400,
         "seconds a recipient the backend refused is remembered"},
        {"whitelist_only.enabled", SettingSpec::Type::boolean, "no", 0, 0,
         "accept mail only from allow-listed senders; others get a one-time token address in the 550 reply"},
        {"whitelist_only.token_ttl", SettingSpec::Type::seconds, "864000", 3600, 365 * 86400,
         "seconds a one-time token address stays valid (10 days)"},
        {"ratelimit.window", SettingSpec::Type::seconds, "600", 10, 86400,
         "sliding window over which unknown recipients and rejections are counted per client IP"},
        {"ratelimit.unknown_slow", SettingSpec::Type::integer, "10", 1, 1000000,
         "unknown recipients in the window after which replies to that IP are slowed down"},
        {"ratelimit.unknown_max", SettingSpec::Type::integer, "50", 1, 1000000,
         "unknown recipients in the window after which the IP gets 421 (directory harvesting)"},
        {"ratelimit.rejects_slow", SettingSpec::Type::integer, "20", 1, 1000000,
         "rejections in the window after which replies to that IP are slowed down"},
        {"ratelimit.rejects_max", SettingSpec::Type::integer, "100", 1, 1000000, "rejections in the window after which the IP gets 421"},
        {"ratelimit.delay", SettingSpec::Type::seconds, "1", 0, 60, "seconds each reply is delayed for a slowed-down IP"},

        // Content scoring after DATA (Bayes, heuristics, the SMTP-time score). See docs/content-scoring.md.
        {"content.enabled", SettingSpec::Type::boolean, "yes", 0, 0,
         "score each message's content after DATA: accept, tag (Subject prefix) or reject"},
        {"content.tag_score", SettingSpec::Type::number, "5", -1000, 100000,
         "a message whose content score reaches this is tagged (Subject prefix, X-Spam-Status: Yes)"},
        {"content.reject_score", SettingSpec::Type::number, "10", -1000, 100000,
         "a message whose content score reaches this is refused (550 5.7.1)"},
        {"content.tag_phrase", SettingSpec::Type::text, "[SPAM?]", 0, 40, "the prefix put before the Subject of a tagged message"},
        {"content.score_headers", SettingSpec::Type::choice, "tagged", 0, 0,
         "add X-Moat-Score and X-Spam-Status to tagged messages only, or to every accepted message "
         "(the default keeps accepted mail byte for byte as sent, plus Received:)",
         "tagged|always"},
        {"content.autolearn", SettingSpec::Type::boolean, "no", 0, 0,
         "learn very confident decisions: score >= content.autolearn_spam as spam, <= content.autolearn_ham as ham"},
        {"content.autolearn_spam", SettingSpec::Type::number, "15", 0, 100000, "score from which a message is auto-learnt as spam"},
        {"content.autolearn_ham", SettingSpec::Type::number, "-4", -100000, 0, "score up to which a message is auto-learnt as ham"},
        {"uribl.action", SettingSpec::Type::choice, "score", 0, 0,
         "look up the domains linked from a message in the URI blocklist zones (weights per zone: moatctl zone)",
         "off|score"},
        {"uribl.zones", SettingSpec::Type::list, "", 0, 0,
         "URI blocklist zones by name (weight 5, any 127.x.y.z answer); moatctl zone add uribl sets weight and mask"},
        // The archive of received messages (docs/archive.md); global only.
        {"archive.enabled", SettingSpec::Type::boolean, "yes", 0, 0,
         "keep every message whose content was received (accepted, tagged or refused after DATA) in the archive"},
        {"archive.retention", SettingSpec::Type::seconds, "1209600", 3600, 7257600,
         "seconds an archived message is kept (14 days; at most 12 weeks)"},
        {"archive.quota", SettingSpec::Type::integer, "10240", 10, 10000000,
         "megabytes the archive may use; the oldest messages are evicted first"},
        {"archive.min_free", SettingSpec::Type::integer, "1024", 0, 10000000,
         "megabytes to leave free on the archive's file system: under it new messages are not archived and the "
         "oldest archived ones are removed (0: no reserve)"},
        {"uribl.max_lookups", SettingSpec::Type::integer, "20", 1, 1000, "URI blocklist queries per message at most"},
        // The appliance's firewall, moat-firewall (docs/firewall.md); global only.
        {"firewall.maintenance_networks", SettingSpec::Type::list, "", 0, 0,
         "networks (CIDR) that may reach the console and SSH through the firewall; never blocked"},
        {"firewall.admin_networks", SettingSpec::Type::list, "", 0, 0,
         "networks (CIDR) that may also reach the console and SSH but are not trusted: their sources are held to "
         "firewall.ssh_rate and firewall.console_rate and blocked after repeated failed logins (0.0.0.0/0 and ::/0: "
         "everyone)"},
        {"firewall.smtp_rate", SettingSpec::Type::integer, "30", 1, 100000,
         "new SMTP connections a minute one source may open; beyond it the source is blocked for firewall.block_time"},
        {"firewall.ssh_rate", SettingSpec::Type::integer, "10", 1, 100000,
         "new SSH connections a minute one source (of the maintenance or admin networks) may open"},
        {"firewall.console_rate", SettingSpec::Type::integer, "10", 1, 100000,
         "new console connections a minute one source (of the maintenance or admin networks) may open"},
        {"firewall.console_connections", SettingSpec::Type::integer, "16", 2, 10000,
         "connections one source may hold open to the console at once, counted in the kernel (a browser uses "
         "about six); beyond it new ones are refused"},
        {"firewall.block_time", SettingSpec::Type::seconds, "600", 60, 2592000,
         "seconds a source over its SMTP rate, or reported by moat-smtpd for its behaviour, stays blocked"},
};
// clang-format on

// By value, no pointers: GCC's -fsanitize=null makes a pointer compared in a
// constant expression non-constant, which would break the consteval check.
constexpr bool isSettingKey(std::string_view key) {
    for (const auto& s : kSettingSpecs)
        if (s.key == key) return true;
    return false;
}

constexpr const SettingSpec* findSettingSpec(std::string_view key) {
    for (const auto& s : kSettingSpecs)
        if (s.key == key) return &s;
    return nullptr;
}

}  // namespace moat::policy
