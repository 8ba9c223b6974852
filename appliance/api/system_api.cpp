// /api/v1/system: the System page (docs/console-api.md "Dashboard and
// system"): each daemon's health from its heartbeat (service_status, and
// moat-scand's status file), the ClamAV signature version and age, the queue,
// the spool's disk and the archive's size against its quota and retention,
// and whether archiving is paused (its disk's free space under archive.min_free).
// Administrators only.
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>
#include <sys/statvfs.h>

#include <vector>

#include "api/json_fields.h"
#include "archive/archive_dir.h"
#include "api/routes.h"
#include "api/scand_status.h"
#include "config/config.h"
#include "policy/settings.h"
#include "store/archive_index.h"
#include "store/service_status.h"
#include "store/queue_records.h"
#include "store/store.h"

using namespace Poco::Data::Keywords;

namespace moat::api {
namespace {

constexpr long long kHeartbeatFresh = 30;  // seconds: older means the daemon stopped

const char* stateOf(long long heartbeat, long long now) {
    return now - heartbeat <= kHeartbeatFresh ? "running" : "stopped";
}

Poco::JSON::Array::Ptr services(Poco::Data::Session& session,
                                const std::optional<ScandStatus>& scand, long long now_ts) {
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& service : store::serviceStatuses(session)) {
        if (service.name == "moat-scand" && scand) continue;  // its status file is the fresher source
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
        o->set("name", jsonText(service.name));
        o->set("state", stateOf(service.heartbeat, now_ts));
        o->set("detail", jsonText(service.detail));
        o->set("heartbeat", static_cast<Poco::Int64>(service.heartbeat));
        out->add(o);
    }
    Poco::JSON::Object::Ptr s = new Poco::JSON::Object;
    s->set("name", "moat-scand");
    if (scand) {
        s->set("state", stateOf(scand->heartbeat, now_ts));
        s->set("detail", "pid " + std::to_string(scand->pid));
        s->set("heartbeat", static_cast<Poco::Int64>(scand->heartbeat));
    } else {
        s->set("state", "unknown");
        s->set("detail", "no status file");
        s->set("heartbeat", Poco::Dynamic::Var());
    }
    out->add(s);
    return out;
}

web::Response system(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    principal.requireAdmin();
    long long now_ts = store::nowSeconds();
    auto session = ctx.store.connect();
    auto scand = readScandStatus(ctx.config.scan.status_file);

    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("services", services(session, scand, now_ts));

    if (scand && !scand->clamav_version.empty()) {
        Poco::JSON::Object::Ptr c = new Poco::JSON::Object;
        c->set("version", jsonText(scand->clamav_version));
        c->set("signatures", static_cast<Poco::Int64>(scand->signatures));
        c->set("db_version", static_cast<Poco::Int64>(scand->db_version));
        c->set("db_time", static_cast<Poco::Int64>(scand->db_time));
        c->set("age_seconds",
               scand->db_time > 0
                   ? Poco::Dynamic::Var(static_cast<Poco::Int64>(now_ts - scand->db_time))
                   : Poco::Dynamic::Var());
        o->set("clamav", c);
    } else {
        o->set("clamav", Poco::Dynamic::Var());
    }

    auto queued = store::queueSummary(session);
    Poco::JSON::Object::Ptr q = new Poco::JSON::Object;
    q->set("messages", static_cast<Poco::Int64>(queued.messages));
    q->set("oldest", queued.messages > 0 ? Poco::Dynamic::Var(static_cast<Poco::Int64>(queued.oldest))
                                         : Poco::Dynamic::Var());
    o->set("queue", q);

    Poco::JSON::Object::Ptr disk = new Poco::JSON::Object;
    disk->set("path", ctx.config.spool_dir);
    struct statvfs vfs {};
    if (statvfs(ctx.config.spool_dir.c_str(), &vfs) == 0) {
        disk->set("total",
                  static_cast<Poco::Int64>(vfs.f_blocks) * static_cast<Poco::Int64>(vfs.f_frsize));
        disk->set("free",
                  static_cast<Poco::Int64>(vfs.f_bavail) * static_cast<Poco::Int64>(vfs.f_frsize));
    } else {
        disk->set("total", Poco::Dynamic::Var());
        disk->set("free", Poco::Dynamic::Var());
    }
    o->set("disk", disk);

    auto totals = store::archiveTotals(session);
    auto settings = policy::Settings::load(session);
    Poco::JSON::Object::Ptr a = new Poco::JSON::Object;
    a->set("messages", static_cast<Poco::Int64>(totals.messages));
    a->set("bytes", static_cast<Poco::Int64>(totals.bytes));
    a->set("quota",
           static_cast<Poco::Int64>(settings.integer("archive.quota")) * 1024 *
               1024);
    a->set("retention_days", settings.integer("archive.retention") / 86400.0);
    // Computed here as moat-smtpd's ArchiveDir::keep() decides it: free space under the reserve.
    auto min_free = static_cast<Poco::Int64>(settings.integer("archive.min_free")) << 20;
    auto free = archive::statvfsFreeSpace(ctx.config.archive_dir);
    a->set("path", ctx.config.archive_dir);
    a->set("free", free ? Poco::Dynamic::Var(static_cast<Poco::Int64>(*free)) : Poco::Dynamic::Var());
    a->set("min_free", min_free);
    a->set("paused", free && static_cast<Poco::Int64>(*free) < min_free);
    o->set("archive", a);
    return web::Response::json(200, o);
}

}  // namespace

void registerSystemApi(web::Router& router) {
    router.add("GET", "/api/v1/system", system);
}

}  // namespace moat::api
