// /api/v1/log: the message log, searched and opened (docs/console-api.md
// "Message log"). Text filters are case-insensitive substring matches bound
// as LIKE patterns with every metacharacter escaped; a domain administrator's
// query is restricted, in SQL, to rows with a recipient in its domains
// (message_log_domains), and a row opened by id is checked the same way.
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <limits>

#include "api/access.h"
#include "api/json_fields.h"
#include "api/query_params.h"
#include "api/routes.h"
#include "store/store.h"

using namespace Poco::Data::Keywords;

namespace moat::api {
namespace {

constexpr const char* kColumns =
    "id, ts, client_ip, client_name, helo, tls, sender, recipients, refused_recipients, subject, "
    "from_header,"
    " message_id, size, queue_id, outcome, category, reason, refused_by, score, archive_id, checks";

// The row visible to the principal: an administrator sees all, a domain
// administrator rows listing one of its domains. Binds (is_admin, scope).
constexpr const char* kScope =
    " AND (? = 1 OR id IN (SELECT log_id FROM message_log_domains WHERE domain IN (SELECT value "
    "FROM json_each(?))))";

bool validCategory(const std::string& c) {
    for (const char* k :
         {"accepted", "tagged", "rejected", "tempfailed", "virus", "learnt", "aborted"})
        if (c == k) return true;
    return false;
}

Poco::JSON::Object::Ptr entryJson(Poco::Data::RecordSet& rs, const web::Principal& principal) {
    PrincipalAddresses visible(principal);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", rs["id"].convert<Poco::Int64>());
    o->set("ts", rs["ts"].convert<Poco::Int64>());
    for (const char* text :
         {"client_ip", "client_name", "helo", "tls", "sender", "subject", "from_header",
          "message_id", "queue_id", "outcome", "category", "reason", "refused_by"})
        o->set(text, jsonText(rs[text].convert<std::string>()));
    o->set("recipients", addressArray(rs["recipients"].convert<std::string>(), &visible));
    o->set("refused_recipients",
           addressArray(rs["refused_recipients"].convert<std::string>(), &visible));
    o->set("size", rs["size"].convert<Poco::Int64>());
    o->set("score", rs["score"].convert<double>());
    o->set("archive_id", rs["archive_id"].convert<Poco::Int64>());
    return o;
}

// The stored checks (a JSON array of {"check","result","score","detail"})
// in the contract's form; a damaged value shows as no checks.
Poco::JSON::Array::Ptr checksJson(const std::string& stored) {
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    try {
        Poco::JSON::Parser parser;
        auto parsed = parser.parse(stored.empty() ? std::string("[]") : stored)
                          .extract<Poco::JSON::Array::Ptr>();
        for (std::size_t i = 0; parsed && i < parsed->size(); ++i) {
            auto item = parsed->getObject(static_cast<unsigned>(i));
            if (!item) continue;
            Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
            c->set("check", jsonText(item->optValue<std::string>("check", "")));
            c->set("outcome",
                   jsonText(item->has("outcome") ? item->optValue<std::string>("outcome", "")
                                                 : item->optValue<std::string>("result", "")));
            c->set("score", item->optValue<double>("score", 0));
            c->set("detail", jsonText(item->optValue<std::string>("detail", "")));
            out->add(c);
        }
    } catch (const Poco::Exception&) {
        return new Poco::JSON::Array;
    }
    return out;
}

web::Response search(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    auto q = messageSearch(request);
    if (!q.outcome.empty() && !validCategory(q.outcome))
        throw web::HttpError(
            400,
            "'outcome' must be accepted, tagged, rejected, tempfailed, virus, learnt or aborted");
    int is_admin = principal.isAdmin() ? 1 : 0;
    std::string scope = scopeJson(principal);

    auto session = ctx.store.connect();
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns +
              " FROM message_log WHERE id < ?"
              " AND (? = '' OR sender LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR recipients LIKE '%' || ? || '%' ESCAPE '\\'"
              "  OR refused_recipients LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR client_ip LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR subject LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR category = ?)"
              " AND ts >= ? AND ts <= ?"
              " AND (? = '' OR id IN (SELECT log_id FROM message_log_domains WHERE domain = ?))" +
              kScope + " ORDER BY id DESC LIMIT ?",
        use(q.before), use(q.sender), use(q.sender), use(q.recipient), use(q.recipient), use(q.recipient),
        use(q.client_ip), use(q.client_ip), use(q.subject), use(q.subject), use(q.outcome), use(q.outcome),
        use(q.from), use(q.to), use(q.domain), use(q.domain), use(is_admin), use(scope), use(q.limit);
    st.execute();
    Poco::Data::RecordSet rs(st);
    return pagedAnswer(rs, q.page, [&](Poco::Data::RecordSet& row) { return entryJson(row, principal); });
}

web::Response get(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    Poco::Int64 id = web::idParam(request);
    int is_admin = principal.isAdmin() ? 1 : 0;
    std::string scope = scopeJson(principal);
    auto session = ctx.store.connect();
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns + " FROM message_log WHERE id = ?" + kScope, use(id),
        use(is_admin), use(scope);
    st.execute();
    Poco::Data::RecordSet rs(st);
    if (!rs.moveFirst()) throw web::HttpError(404, "not found");
    auto o = entryJson(rs, principal);
    o->set("checks", checksJson(rs["checks"].convert<std::string>()));
    return web::Response::json(200, o);
}

}  // namespace

void registerLogApi(web::Router& router) {
    router.add("GET", "/api/v1/log", search);
    router.add("GET", "/api/v1/log/{id}", get);
}

}  // namespace moat::api
