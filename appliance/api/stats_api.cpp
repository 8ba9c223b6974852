// /api/v1/stats: the dashboard's figures from the aggregates moat-smtpd keeps
// (traffic_hourly, refusals_hourly, mta_stats): mail per hour by category over
// 24 hours or 30 days, zero-filled, the top refusal reasons, and the top
// spamming and legitimate sending MTAs (docs/console-api.md "Dashboard and
// system"). Administrators only.
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>

#include <map>
#include <vector>

#include "api/json_fields.h"
#include "api/routes.h"
#include "store/store.h"

using namespace Poco::Data::Keywords;

namespace moat::api {
namespace {

constexpr const char* kSeries[] = {"accepted", "tagged", "rejected", "tempfailed", "virus"};
constexpr Poco::Int64 kMtaMinConnections = 50;
constexpr Poco::Int64 kMtaPercent = 95;
constexpr Poco::Int64 kMtaTop = 50;

// Hours in the range ?range=24h|30d.
Poco::Int64 rangeHours(const web::Request& request) {
    auto range = request.queryValue("range", "24h");
    if (range == "24h") return 24;
    if (range == "30d") return 30 * 24;
    throw web::HttpError(400, "'range' must be 24h or 30d");
}

web::Response traffic(const web::Request& request, const web::Principal& principal,
                      web::ApiContext& ctx) {
    principal.requireAdmin();
    Poco::Int64 hours = rangeHours(request);
    Poco::Int64 last = store::nowSeconds() / 3600, first = last - hours + 1;
    auto session = ctx.store.connect();
    std::vector<Poco::Int64> hour, n;
    std::vector<std::string> category;
    session << "SELECT hour, category, n FROM traffic_hourly WHERE hour >= ? AND hour <= ?",
        use(first), use(last), into(hour), into(category), into(n), now;
    std::map<std::string, std::vector<Poco::Int64>> series;
    for (const char* s : kSeries) series[s].assign(static_cast<std::size_t>(hours), 0);
    for (std::size_t i = 0; i < hour.size(); ++i) {
        auto it = series.find(category[i]);
        if (it != series.end()) it->second[static_cast<std::size_t>(hour[i] - first)] += n[i];
    }
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("bucket", 3600);
    o->set("from", first * 3600);
    o->set("to", (last + 1) * 3600);
    Poco::JSON::Object::Ptr s = new Poco::JSON::Object;
    for (const char* name : kSeries) {
        Poco::JSON::Array::Ptr values = new Poco::JSON::Array;
        for (auto v : series[name]) values->add(v);
        s->set(name, values);
    }
    o->set("series", s);
    return web::Response::json(200, o);
}

web::Response refusals(const web::Request& request, const web::Principal& principal,
                       web::ApiContext& ctx) {
    principal.requireAdmin();
    Poco::Int64 hours = rangeHours(request);
    Poco::Int64 first = store::nowSeconds() / 3600 - hours + 1;
    auto session = ctx.store.connect();
    std::vector<std::string> checks;
    std::vector<Poco::Int64> counts;
    session << "SELECT check_name, SUM(n) AS total FROM refusals_hourly WHERE hour >= ?"
               " GROUP BY check_name ORDER BY total DESC, check_name LIMIT 10",
        use(first), into(checks), into(counts), now;
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (std::size_t i = 0; i < checks.size(); ++i) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("check", jsonText(checks[i]));
        o->set("count", counts[i]);
        out->add(o);
    }
    return web::Response::json(200, out);
}

// MTAs with at least 50 connections of which at least 95% were `column`
// (wanted or unwanted), most connections first.
Poco::JSON::Array::Ptr topMtas(Poco::Data::Session& session, const std::string& column) {
    std::vector<std::string> ips, names;
    std::vector<Poco::Int64> connections, wanted, unwanted, last_seen;
    Poco::Int64 min = kMtaMinConnections, percent = kMtaPercent, top = kMtaTop;
    session << "SELECT ip, name, connections, wanted, unwanted, last_seen FROM mta_stats"
               " WHERE connections >= ? AND " +
                   column +
                   " * 100 >= ? * connections"
                   " ORDER BY connections DESC, ip LIMIT ?",
        use(min), use(percent), use(top), into(ips), into(names), into(connections), into(wanted),
        into(unwanted), into(last_seen), now;
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (std::size_t i = 0; i < ips.size(); ++i) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("ip", jsonText(ips[i]));
        o->set("name", jsonText(names[i]));
        o->set("connections", connections[i]);
        o->set("wanted", wanted[i]);
        o->set("unwanted", unwanted[i]);
        o->set("last_seen", last_seen[i]);
        out->add(o);
    }
    return out;
}

web::Response mtas(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("spammers", topMtas(session, "unwanted"));
    o->set("legitimate", topMtas(session, "wanted"));
    return web::Response::json(200, o);
}

}  // namespace

void registerStatsApi(web::Router& router) {
    router.add("GET", "/api/v1/stats/traffic", traffic);
    router.add("GET", "/api/v1/stats/refusals", refusals);
    router.add("GET", "/api/v1/stats/mtas", mtas);
}

}  // namespace moat::api
