// moatctl's zone verbs: the DNS zones the SMTP-time checks query (IP and
// domain blocklists, URI blocklists, the country zone) — see store/dns_zones.h
// and docs/checks.md. Bad input throws std::invalid_argument, which main()
// reports; a running moat-smtpd uses a change for its next sessions.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <string_view>

namespace moat::moatctl {

// moatctl zone add KIND ZONE [--weight W] [--mask M] [--url TEMPLATE] [--note TEXT]
int zoneAdd(Poco::Data::Session& session, std::string_view kind, std::string_view zone,
            const std::optional<std::string>& weight, std::string_view mask, std::string_view url,
            std::string_view note);

// moatctl zone list
int zoneList(Poco::Data::Session& session);

// moatctl zone remove KIND ZONE
int zoneRemove(Poco::Data::Session& session, std::string_view kind, std::string_view zone);

}  // namespace moat::moatctl
