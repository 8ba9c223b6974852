#include "zone_commands.h"

#include <charconv>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "store/dns_zones.h"
#include "util/log.h"

namespace moat::moatctl {
namespace {

double parseWeight(const std::string& text) {
    double w = 0;
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), w, std::chars_format::fixed);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || w < 0 ||
        w > store::kMaxZoneWeight)
        throw std::invalid_argument("invalid weight '" + log::printable(text, 40) +
                                    "' (expected a number from 0 to 1000)");
    return w;
}

std::string number(double d) {
    std::ostringstream os;
    os << d;
    return os.str();
}

}  // namespace

int zoneAdd(Poco::Data::Session& session, std::string_view kind, std::string_view zone,
            const std::optional<std::string>& weight, std::string_view mask, std::string_view url,
            std::string_view note) {
    auto z = store::addDnsZone(session, kind, zone, weight ? parseWeight(*weight) : 5.0, mask, url,
                               note);
    std::cout << "added " << z.kind << " zone " << z.zone << " (weight " << number(z.weight)
              << (z.mask.empty() ? "" : ", mask " + z.mask) << ")\n";
    return 0;
}

int zoneList(Poco::Data::Session& session) {
    auto zones = store::listDnsZones(session);
    std::size_t width = 4;
    for (const auto& z : zones) width = std::max(width, z.zone.size());
    std::cout << std::left << std::setw(8) << "KIND" << std::setw(static_cast<int>(width) + 2)
              << "ZONE" << std::setw(8) << "WEIGHT"
              << "MASK / URL / NOTE\n";
    for (const auto& z : zones) {
        std::cout << std::left << std::setw(8) << z.kind << std::setw(static_cast<int>(width) + 2)
                  << z.zone << std::setw(8) << number(z.weight)
                  << (z.kind == "country" ? "-"
                      : z.mask.empty()    ? "any"
                                          : z.mask);
        if (!z.url.empty()) std::cout << "  " << z.url;
        if (!z.note.empty()) std::cout << "  (" << log::printable(z.note) << ")";
        std::cout << "\n";
    }
    return 0;
}

int zoneRemove(Poco::Data::Session& session, std::string_view kind, std::string_view zone) {
    if (!store::removeDnsZone(session, kind, zone))
        throw std::invalid_argument("no " + std::string(kind) + " zone " +
                                    log::printable(zone, 100));
    std::cout << "removed " << kind << " zone " << log::printable(zone, 100) << "\n";
    return 0;
}

}  // namespace moat::moatctl
