// /api/v1/archive and /api/v1/releases: the archive of received messages,
// searched, viewed safely (archive_view), downloaded as .eml and released
// (docs/console-api.md "Archive"). A domain administrator sees entries with a
// recipient in its domains (archive_domains), never virus entries: those are
// hidden from it (404) on every endpoint. Administrators may view and
// download a virus entry; nobody may release one ("a virus is never released").
// A release only records a request (release_requests, status pending) and an
// audit row; moat-smtpd carries it out through the normal queue, to the
// recipients fixed in the request: a domain administrator's release reaches
// only its own recipients. A domain administrator sees only its own
// recipients (the store builds the list), sees other domains' addresses in
// the headers as "[hidden]", and may not download (403) an entry that also
// went to other domains (docs/tenant-isolation.md).
#include <Poco/JSON/Array.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "api/access.h"
#include "api/archive_view.h"
#include "api/json_fields.h"
#include "api/query_params.h"
#include "api/routes.h"
#include "config/config.h"
#include "mail/outcome.h"
#include "store/archive_entries.h"
#include "store/release_requests.h"
#include "store/store.h"

namespace moat::api {
namespace {

store::RowScope rowScope(const web::Principal& principal) {
    return {principal.isAdmin(), scopeJson(principal)};
}

Poco::JSON::Object::Ptr entryJson(const store::ArchiveEntry& e, const web::Principal& principal) {
    PrincipalAddresses visible(principal);
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(e.id));
    o->set("ts", static_cast<Poco::Int64>(e.ts));
    auto text = [&](const char* name, const std::string& value) { o->set(name, jsonText(value)); };
    text("client_ip", e.client_ip);
    text("sender", e.sender);
    text("subject", e.subject);
    text("from_header", e.from_header);
    text("message_id", e.message_id);
    text("outcome", e.outcome);
    text("reason", hideAddresses(e.reason, visible, e.sender));
    o->set("recipients", addressArray(e.recipients, &visible));
    o->set("size", static_cast<Poco::Int64>(e.size));
    o->set("released", static_cast<Poco::Int64>(e.released));
    o->set("last_release", static_cast<Poco::Int64>(e.last_release));
    o->set("log_id", static_cast<Poco::Int64>(e.log_id));
    return o;
}

// The entry with this id if the principal may see it (a domain administrator: not a virus,
// one of its domains), else 404.
store::ArchiveEntry entryOr404(Poco::Data::Session& session, const web::Principal& principal,
                               long long archive_id) {
    auto entry = store::findArchiveEntry(session, archive_id, rowScope(principal));
    if (!entry) throw web::HttpError(404, "not found");
    return std::move(*entry);
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
    const auto& outcome = q.filter.outcome;
    const auto archived = [](const mail::OutcomeInfo& i) { return i.archived; };
    if (!outcome.empty()) {
        auto parsed = mail::parseOutcome(outcome);
        if (!parsed || !mail::info(*parsed).archived)
            throw web::HttpError(400, "'outcome' must be " + mail::outcomeNames(archived));
    }
    auto session = ctx.store.connect();
    auto rows = store::searchArchive(session, q.filter, rowScope(principal));
    return pagedAnswer(rows.size(), q.page, [&](std::size_t i) { return entryJson(rows[i], principal); });
}

web::Response view(const web::Request& request, const web::Principal& principal,
                   web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto e = entryOr404(session, principal, web::idParam(request));
    PrincipalAddresses visible(principal);
    auto shown = viewMessage(readArchived(ctx.config, e.file),
                             principal.isAdmin() ? nullptr : &visible);
    auto o = entryJson(e, principal);
    o->set("headers", shown.headers);
    o->set("parts", shown.parts);
    return web::Response::json(200, o);
}

web::Response eml(const web::Request& request, const web::Principal& principal,
                  web::ApiContext& ctx) {
    long long id = web::idParam(request);
    auto session = ctx.store.connect();
    auto e = entryOr404(session, principal, id);
    // The original message names its other recipients (To, Cc, Received "for"):
    // a domain administrator downloads only messages that went to its domains alone.
    if (e.other_recipients > 0)
        throw web::HttpError(403, "this message also went to other domains; an administrator can "
                                  "download it");
    web::Response r;
    r.status = 200;
    r.content_type = "message/rfc822";
    r.body = readArchived(ctx.config, e.file);
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + std::to_string(id) + ".eml\"");
    return r;
}

Poco::JSON::Object::Ptr releaseJson(const store::ReleaseRequest& r) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("id", static_cast<Poco::Int64>(r.id));
    o->set("archive_id", static_cast<Poco::Int64>(r.archive_id));
    o->set("requested_by", jsonText(r.requested_by));
    o->set("requested", static_cast<Poco::Int64>(r.requested));
    o->set("status", r.status);
    o->set("queue_id", jsonText(r.queue_id));
    o->set("detail", jsonText(r.detail));
    o->set("finished", static_cast<Poco::Int64>(r.finished));
    o->set("recipients", addressArray(r.recipients));
    return o;
}

web::Response release(const web::Request& request, const web::Principal& principal,
                      web::ApiContext& ctx) {
    long long id = web::idParam(request);
    auto session = ctx.store.connect();
    auto e = entryOr404(session, principal, id);
    if (e.outcome == "virus") throw web::HttpError(403, "a virus is never released");
    // A second click while the first waits: the same request.
    auto request_id = store::pendingReleaseRequest(session, id, principal.name);
    if (!request_id) {
        request_id = store::addReleaseRequest(session, id, principal.name, store::nowSeconds(),
                                              rowScope(principal));
        if (!request_id) throw web::HttpError(404, "not found");
        auditChange(session, principal, request, "archive.release", "archive " + std::to_string(id),
                    "release request " + std::to_string(*request_id) + "; from " + jsonText(e.sender) +
                        ", subject " + jsonText(e.subject));
    }
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("request_id", static_cast<Poco::Int64>(*request_id));
    return web::Response::json(202, o);
}

web::Response releaseStatus(const web::Request& request, const web::Principal& principal,
                            web::ApiContext& ctx) {
    auto session = ctx.store.connect();
    auto r = store::findReleaseRequest(session, web::idParam(request));
    if (!r) throw web::HttpError(404, "not found");
    // A domain administrator follows its own requests only.
    if (!principal.isAdmin()) {
        if (r->requested_by != principal.name) throw web::HttpError(404, "not found");
        entryOr404(session, principal, r->archive_id);
    }
    return web::Response::json(200, releaseJson(*r));
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
