#include "store/dns_zones.h"

#include <Poco/Data/Statement.h>

#include <cmath>
#include <stdexcept>

#include "dns/answer_mask.h"
#include "store/domains.h"
#include "store/store.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

constexpr std::size_t kMaxUrl = 300;
constexpr std::size_t kMaxNote = 200;

void checkKind(std::string_view kind) {
    if (kind == "dnsbl" || kind == "rhsbl" || kind == "uribl" || kind == "country") return;
    throw std::invalid_argument("unknown zone kind '" + log::printable(kind, 60) +
                                "' (expected dnsbl, rhsbl, uribl or country)");
}

std::string zoneName(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    std::string name = normaliseDomainName(text);
    if (name.size() > kMaxZoneName)
        throw std::invalid_argument("zone name longer than " + std::to_string(kMaxZoneName) +
                                    " characters");
    return name;
}

}  // namespace

std::string validateZoneUrl(std::string_view url) {
    if (url.empty()) return "";
    auto bad = [&](const std::string& why) {
        return std::invalid_argument("invalid URL template '" + log::printable(url, 100) +
                                     "': " + why);
    };
    if (url.size() > kMaxUrl) throw bad("longer than " + std::to_string(kMaxUrl) + " characters");
    std::string out(url);
    std::size_t scheme = 0;
    for (std::string_view s : {"http://", "https://"}) {
        bool same = out.size() > s.size();
        for (std::size_t i = 0; same && i < s.size(); ++i)
            same = (out[i] >= 'A' && out[i] <= 'Z' ? out[i] - 'A' + 'a' : out[i]) == s[i];
        if (same) scheme = s.size();
    }
    if (!scheme) throw bad("must start with http:// or https://");
    for (std::size_t i = 0; i < scheme; ++i)
        if (out[i] >= 'A' && out[i] <= 'Z') out[i] = static_cast<char>(out[i] - 'A' + 'a');
    if (out[scheme] == '/' || out[scheme] == '{') throw bad("no host name after the scheme");
    for (std::size_t i = 0; i < out.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(out[i]);
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`')
            throw bad("spaces, control characters, quotes, '<', '>', '\\' and '`' are not allowed");
        if (c == '}') throw bad("'}' outside a placeholder");
        if (c != '{') continue;
        auto end = out.find('}', i);
        std::string_view name =
            end == std::string::npos ? "" : std::string_view(out).substr(i + 1, end - i - 1);
        if (name != "ip" && name != "domain" && name != "zone")
            throw bad("placeholders are {ip}, {domain} and {zone}");
        i = end;
    }
    return out;
}

std::string expandZoneUrl(std::string_view url, std::string_view ip, std::string_view domain,
                          std::string_view zone) {
    std::string out;
    while (!url.empty()) {
        auto open = url.find('{');
        out += url.substr(0, open);
        if (open == std::string_view::npos) break;
        auto close = url.find('}', open);
        if (close == std::string_view::npos) break;  // cannot happen in a validated template
        auto name = url.substr(open + 1, close - open - 1);
        out += name == "ip"       ? ip
               : name == "domain" ? domain
               : name == "zone"   ? zone
                                  : std::string_view();
        url.remove_prefix(close + 1);
    }
    return out;
}

DnsZone addDnsZone(Poco::Data::Session& session, std::string_view kind, std::string_view zone,
                   double weight, std::string_view mask, std::string_view url,
                   std::string_view note) {
    checkKind(kind);
    DnsZone z;
    z.kind = std::string(kind);
    z.zone = zoneName(zone);
    if (!std::isfinite(weight) || weight < 0 || weight > kMaxZoneWeight)
        throw std::invalid_argument("weight must be between 0 and " +
                                    std::to_string(int(kMaxZoneWeight)));
    z.weight = weight;
    std::string why;
    auto parsed = dns::AnswerMask::parse(mask, &why);
    if (!parsed) throw std::invalid_argument("invalid mask: " + log::printable(why, 200));
    z.mask = parsed->str();
    if (kind == "country" && !z.mask.empty())
        throw std::invalid_argument("a country zone takes no mask: its answers encode the country");
    z.url = validateZoneUrl(url);
    if (note.size() > kMaxNote) throw std::invalid_argument("note longer than 200 characters");
    for (unsigned char c : note)
        if (c < 0x20 || c == 0x7f)
            throw std::invalid_argument("note must not contain control characters");
    z.note = std::string(note);
    z.created = nowSeconds();

    std::vector<std::string> existing;
    session << "SELECT zone FROM dns_zones WHERE kind = ? AND (zone = ? OR kind = 'country')",
        use(z.kind), use(z.zone), into(existing), now;
    if (!existing.empty()) {
        if (existing[0] == z.zone)
            throw std::invalid_argument(z.kind + " zone " + z.zone + " already exists");
        throw std::invalid_argument("there is already a country zone (" + existing[0] +
                                    "); remove it first");
    }
    Poco::Int64 created = z.created;
    session << "INSERT INTO dns_zones (kind, zone, weight, mask, url, note, created) VALUES (?, ?, "
               "?, ?, ?, ?, ?)",
        use(z.kind), use(z.zone), use(z.weight), use(z.mask), use(z.url), use(z.note), use(created),
        now;
    Poco::Int64 id = 0;
    session << "SELECT last_insert_rowid()", into(id), now;
    z.id = id;
    return z;
}

bool removeDnsZone(Poco::Data::Session& session, std::string_view kind, std::string_view zone) {
    checkKind(kind);
    std::string k(kind), name = zoneName(zone);
    Poco::Data::Statement del(session);
    del << "DELETE FROM dns_zones WHERE kind = ? AND zone = ?", use(k), use(name);
    return del.execute() > 0;
}

std::vector<DnsZone> listDnsZones(Poco::Data::Session& session) {
    std::vector<Poco::Int64> ids, created;
    std::vector<std::string> kinds, zones, masks, urls, notes;
    std::vector<double> weights;
    session << "SELECT id, kind, zone, weight, mask, url, note, created FROM dns_zones ORDER BY "
               "kind, zone",
        into(ids), into(kinds), into(zones), into(weights), into(masks), into(urls), into(notes),
        into(created), now;
    std::vector<DnsZone> out(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        out[i] = {ids[i], kinds[i], zones[i], weights[i], masks[i], urls[i], notes[i], created[i]};
    return out;
}

}  // namespace moat::store
