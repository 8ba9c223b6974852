// /api/v1/stats: the dashboard's figures from the aggregates moat-smtpd keeps
// (traffic_hourly, refusals_hourly, mta_stats): mail per hour by category over
// 24 hours or 30 days, zero-filled, the top refusal reasons, and the top
// spamming and legitimate sending MTAs (docs/console-api.md "Dashboard and
// system"). Administrators only.
#include <Poco/JSON/Array.h>

#include <map>
#include <vector>

#include "api/json_fields.h"
#include "api/routes.h"
#include "mail/outcome.h"
#include "store/dashboard_stats.h"
#include "store/store.h"

namespace moat::api {
namespace {

constexpr long long kMtaMinConnections = 50;
constexpr long long kMtaPercent = 95;
constexpr int kMtaTop = 50;

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
    std::map<std::string, std::vector<Poco::Int64>> series;
    for (const auto& o : mail::kOutcomes)  // the dashboard's series: the charted outcomes
        if (o.charted) series[std::string(o.name)].assign(static_cast<std::size_t>(hours), 0);
    for (const auto& count : store::trafficCounts(session, first, last)) {
        auto it = series.find(count.category);
        if (it != series.end()) it->second[static_cast<std::size_t>(count.hour - first)] += count.n;
    }
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("bucket", 3600);
    o->set("from", first * 3600);
    o->set("to", (last + 1) * 3600);
    Poco::JSON::Object::Ptr s = new Poco::JSON::Object;
    for (const auto& [name, counts] : series) {
        Poco::JSON::Array::Ptr values = new Poco::JSON::Array;
        for (auto v : counts) values->add(v);
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
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& r : store::topRefusals(session, first, 10)) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("check", jsonText(r.check));
        o->set("count", static_cast<Poco::Int64>(r.count));
        out->add(o);
    }
    return web::Response::json(200, out);
}

// MTAs with at least 50 connections of which at least 95% were of `kind`,
// most connections first.
Poco::JSON::Array::Ptr topMtas(Poco::Data::Session& session, store::MtaKind kind) {
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& m : store::topMtas(session, kind, kMtaMinConnections, kMtaPercent, kMtaTop)) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("ip", jsonText(m.ip));
        o->set("name", jsonText(m.name));
        o->set("connections", static_cast<Poco::Int64>(m.connections));
        o->set("wanted", static_cast<Poco::Int64>(m.wanted));
        o->set("unwanted", static_cast<Poco::Int64>(m.unwanted));
        o->set("last_seen", static_cast<Poco::Int64>(m.last_seen));
        out->add(o);
    }
    return out;
}

web::Response mtas(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    principal.requireAdmin();
    auto session = ctx.store.connect();
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("spammers", topMtas(session, store::MtaKind::unwanted));
    o->set("legitimate", topMtas(session, store::MtaKind::wanted));
    return web::Response::json(200, o);
}

}  // namespace

void registerStatsApi(web::Router& router) {
    router.add("GET", "/api/v1/stats/traffic", traffic);
    router.add("GET", "/api/v1/stats/refusals", refusals);
    router.add("GET", "/api/v1/stats/mtas", mtas);
}

}  // namespace moat::api
