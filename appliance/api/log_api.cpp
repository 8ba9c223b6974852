// /api/v1/log: the message log, searched and opened (docs/console-api.md
// "Message log"). Text filters are case-insensitive substring matches bound
// as LIKE patterns with every metacharacter escaped; a domain administrator's
// query is restricted, in SQL, to rows with a recipient in its domains
// (message_log_domains), and a row opened by id is checked the same way; in
// the free text of a row (reason, check details) other domains' addresses
// show as "[hidden]".
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "api/access.h"
#include "api/archive_view.h"
#include "api/json_fields.h"
#include "api/query_params.h"
#include "api/routes.h"
#include "mail/outcome.h"
#include "store/message_log_entries.h"
#include "store/store.h"

namespace moat::api {
namespace {

Poco::JSON::Object::Ptr entryJson(const store::LogEntry& e, const web::Principal& principal) {
    PrincipalAddresses visible(principal);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(e.id));
    o->set("ts", static_cast<Poco::Int64>(e.ts));
    auto text = [&](const char* name, const std::string& value) { o->set(name, jsonText(value)); };
    text("client_ip", e.client_ip);
    text("client_name", e.client_name);
    text("helo", e.helo);
    text("tls", e.tls);
    text("sender", e.sender);
    text("subject", e.subject);
    text("from_header", e.from_header);
    text("message_id", e.message_id);
    text("queue_id", e.queue_id);
    text("outcome", e.outcome);
    text("category", e.category);
    text("reason", hideAddresses(e.reason, visible, e.sender));
    text("refused_by", e.refused_by);
    o->set("recipients", addressArray(e.recipients, &visible));
    o->set("refused_recipients", addressArray(e.refused_recipients, &visible));
    o->set("size", static_cast<Poco::Int64>(e.size));
    o->set("score", e.score);
    o->set("archive_id", static_cast<Poco::Int64>(e.archive_id));
    return o;
}

store::RowScope rowScope(const web::Principal& principal) {
    return {principal.isAdmin(), scopeJson(principal)};
}

// The stored checks (a JSON array of {"check","result","score","detail"})
// in the contract's form; a damaged value shows as no checks. A detail can
// name a recipient: other domains' addresses are hidden as in `reason`.
Poco::JSON::Array::Ptr checksJson(const std::string& stored, const AddressFilter& visible,
                                  std::string_view sender) {
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
            c->set("detail",
                   jsonText(hideAddresses(item->optValue<std::string>("detail", ""), visible, sender)));
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
    if (!q.filter.outcome.empty() && !mail::parseOutcome(q.filter.outcome))
        throw web::HttpError(400, "'outcome' must be " +
                                      mail::outcomeNames([](const mail::OutcomeInfo&) { return true; }));
    auto session = ctx.store.connect();
    auto rows = store::searchMessageLog(session, q.filter, rowScope(principal));
    return pagedAnswer(rows.size(), q.page, [&](std::size_t i) { return entryJson(rows[i], principal); });
}

web::Response get(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto entry = store::findLogEntry(session, web::idParam(request), rowScope(principal));
    if (!entry) throw web::HttpError(404, "not found");
    auto o = entryJson(*entry, principal);
    o->set("checks", checksJson(entry->checks, PrincipalAddresses(principal), entry->sender));
    return web::Response::json(200, o);
}

}  // namespace

void registerLogApi(web::Router& router) {
    router.add("GET", "/api/v1/log", search);
    router.add("GET", "/api/v1/log/{id}", get);
}

}  // namespace moat::api
