// /api/v1/archive and /api/v1/releases: the archive of received messages,
// searched, viewed safely (archive_view), downloaded as .eml and released
// (docs/console-api.md "Archive"). A domain administrator sees entries with a
// recipient in its domains (archive_domains), never virus entries: those are
// hidden from it (404) on every endpoint. Administrators may view and
// download a virus entry; nobody may release one ("a virus is never released").
// A release only records a request (release_requests, status pending) and an
// audit row; moat-smtpd carries it out through the normal queue.
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "api/access.h"
#include "api/archive_view.h"
#include "api/json_fields.h"
#include "api/query_params.h"
#include "api/routes.h"
#include "config/config.h"
#include "store/store.h"

using namespace Poco::Data::Keywords;

namespace moat::api {
namespace {

constexpr const char* kColumns =
    "id, ts, log_id, file, size, client_ip, sender, recipients, subject, from_header, message_id, "
    "outcome, reason,"
    " released, last_release";

// Entries the principal may see: all for an administrator; for a domain
// administrator, non-virus entries with one of its domains. Binds (is_admin, is_admin, scope).
constexpr const char* kScope =
    " AND (? = 1 OR (outcome <> 'virus' AND id IN (SELECT archive_id FROM archive_domains"
    " WHERE domain IN (SELECT value FROM json_each(?)))))";

Poco::JSON::Object::Ptr entryJson(Poco::Data::RecordSet& rs, const web::Principal& principal) {
    PrincipalAddresses visible(principal);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", rs["id"].convert<Poco::Int64>());
    o->set("ts", rs["ts"].convert<Poco::Int64>());
    for (const char* text :
         {"client_ip", "sender", "subject", "from_header", "message_id", "outcome", "reason"})
        o->set(text, jsonText(rs[text].convert<std::string>()));
    o->set("recipients", addressArray(rs["recipients"].convert<std::string>(), &visible));
    o->set("size", rs["size"].convert<Poco::Int64>());
    o->set("released", rs["released"].convert<Poco::Int64>());
    o->set("last_release", rs["last_release"].convert<Poco::Int64>());
    o->set("log_id", rs["log_id"].convert<Poco::Int64>());
    return o;
}

struct Entry {
    Poco::JSON::Object::Ptr json;
    std::string file, outcome;
};

// The entry with this id if the principal may see it, else 404.
Entry entryOr404(Poco::Data::Session& session, const web::Principal& principal,
                 long long archive_id) {
    Poco::Int64 id = archive_id;
    int is_admin = principal.isAdmin() ? 1 : 0;
    std::string scope = scopeJson(principal);
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns + " FROM archive WHERE id = ?" + kScope, use(id),
        use(is_admin), use(scope);
    st.execute();
    Poco::Data::RecordSet rs(st);
    if (!rs.moveFirst()) throw web::HttpError(404, "not found");
    return {entryJson(rs, principal), rs["file"].convert<std::string>(),
            rs["outcome"].convert<std::string>()};
}

std::string readArchived(const config::Config& config, const std::string& file) {
    if (!safeArchiveFileName(file))
        throw web::HttpError(404, "the archived message is not available");
    std::ifstream in(std::filesystem::path(config.archive_dir) / file, std::ios::binary);
    if (!in) throw web::HttpError(404, "the archived message is no longer on disk");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

web::Response search(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    auto q = messageSearch(request);
    if (!q.outcome.empty() && q.outcome != "accepted" && q.outcome != "tagged" && q.outcome != "rejected" &&
        q.outcome != "virus")
        throw web::HttpError(400, "'outcome' must be accepted, tagged, rejected or virus");
    int is_admin = principal.isAdmin() ? 1 : 0;
    std::string scope = scopeJson(principal);

    auto session = ctx.store.connect();
    Poco::Data::Statement st(session);
    st << std::string("SELECT ") + kColumns +
              " FROM archive WHERE id < ?"
              " AND (? = '' OR sender LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR recipients LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR client_ip LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR subject LIKE '%' || ? || '%' ESCAPE '\\')"
              " AND (? = '' OR outcome = ?)"
              " AND ts >= ? AND ts <= ?"
              " AND (? = '' OR id IN (SELECT archive_id FROM archive_domains WHERE domain = ?))" +
              kScope + " ORDER BY id DESC LIMIT ?",
        use(q.before), use(q.sender), use(q.sender), use(q.recipient), use(q.recipient), use(q.client_ip),
        use(q.client_ip), use(q.subject), use(q.subject), use(q.outcome), use(q.outcome), use(q.from), use(q.to),
        use(q.domain), use(q.domain), use(is_admin), use(scope), use(q.limit);
    st.execute();
    Poco::Data::RecordSet rs(st);
    return pagedAnswer(rs, q.page, [&](Poco::Data::RecordSet& row) { return entryJson(row, principal); });
}

web::Response view(const web::Request& request, const web::Principal& principal,
                   web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto e = entryOr404(session, principal, web::idParam(request));
    auto shown = viewMessage(readArchived(ctx.config, e.file));
    e.json->set("headers", shown.headers);
    e.json->set("parts", shown.parts);
    return web::Response::json(200, e.json);
}

web::Response eml(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    long long id = web::idParam(request);
    auto session = ctx.store.connect();
    auto e = entryOr404(session, principal, id);
    web::Response r;
    r.status = 200;
    r.content_type = "message/rfc822";
    r.body = readArchived(ctx.config, e.file);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + std::to_string(id) + ".eml\"");
    return r;
}

Poco::JSON::Object::Ptr releaseJson(Poco::Data::RecordSet& rs) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", rs["id"].convert<Poco::Int64>());
    o->set("archive_id", rs["archive_id"].convert<Poco::Int64>());
    o->set("requested_by", jsonText(rs["requested_by"].convert<std::string>()));
    o->set("requested", rs["requested"].convert<Poco::Int64>());
    o->set("status", rs["status"].convert<std::string>());
    o->set("queue_id", jsonText(rs["queue_id"].convert<std::string>()));
    o->set("detail", jsonText(rs["detail"].convert<std::string>()));
    o->set("finished", rs["finished"].convert<Poco::Int64>());
    return o;
}

web::Response release(const web::Request& request, const web::Principal& principal,
                      web::ApiContext& ctx) {
    Poco::Int64 id = web::idParam(request);
    auto session = ctx.store.connect();
    auto e = entryOr404(session, principal, id);
    if (e.outcome == "virus") throw web::HttpError(403, "a virus is never released");
    std::vector<Poco::Int64> pending;
    session << "SELECT id FROM release_requests WHERE archive_id = ? AND status = 'pending'",
        use(id), into(pending), now;
    Poco::Int64 request_id = 0;
    if (!pending.empty()) {
        request_id = pending[0];  // a second click while the first waits: the same request
    } else {
        Poco::Int64 requested = store::nowSeconds();
        std::string who = principal.name;
        session << "INSERT INTO release_requests (archive_id, requested_by, requested) VALUES (?, "
                   "?, ?)",
            use(id), use(who), use(requested), now;
        session << "SELECT last_insert_rowid()", into(request_id), now;
        auditChange(session, principal, request, "archive.release", "archive " + std::to_string(id),
                    "release request " + std::to_string(request_id) + "; from " +
                        e.json->getValue<std::string>("sender") + ", subject " +
                        e.json->getValue<std::string>("subject"));
    }
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("request_id", request_id);
    return web::Response::json(202, o);
}

web::Response releaseStatus(const web::Request& request, const web::Principal& principal,
                            web::ApiContext& ctx) {
    Poco::Int64 id = web::idParam(request);
    auto session = ctx.store.connect();
    Poco::Data::Statement st(session);
    st << "SELECT id, archive_id, requested_by, requested, status, queue_id, detail, finished"
          " FROM release_requests WHERE id = ?",
        use(id);
    st.execute();
    Poco::Data::RecordSet rs(st);
    if (!rs.moveFirst()) throw web::HttpError(404, "not found");
    if (!principal.isAdmin())
        entryOr404(session, principal, rs["archive_id"].convert<Poco::Int64>());
    return web::Response::json(200, releaseJson(rs));
}

}  // namespace

void registerArchiveApi(web::Router& router) {
    router.add("GET", "/api/v1/archive", search);
    router.add("GET", "/api/v1/archive/{id}", view);
    router.add("GET", "/api/v1/archive/{id}/eml", eml);
    router.add("POST", "/api/v1/archive/{id}/release", release);
    router.add("GET", "/api/v1/releases/{id}", releaseStatus);
}

}  // namespace moat::api
