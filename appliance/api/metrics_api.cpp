// GET /metrics: the appliance's figures for Prometheus (docs/monitoring.md),
// in the text exposition format 0.0.4 (api/metrics_text.h). Allowed to an
// administrator's API token or, without credentials, to a client on one of
// the maintenance networks ([web] trusted_networks); the console handler
// decides which (web/console_handler.cpp). Read from the store, moat-scand's
// status file and the file systems, like the System page; moat-smtpd's
// session count and DNS query times come through the store with its
// heartbeat, and are left out while that heartbeat is stale.
#include <sys/statvfs.h>

#include <charconv>
#include <map>

#include "api/metrics_text.h"
#include "api/routes.h"
#include "api/scand_status.h"
#include "archive/archive_dir.h"
#include "config/config.h"
#include "mail/outcome.h"
#include "policy/settings.h"
#include "store/archive_index.h"
#include "store/dashboard_stats.h"
#include "store/dns_latency.h"
#include "store/queue_records.h"
#include "store/service_status.h"
#include "store/store.h"
#include "store/web_sessions.h"

namespace moat::api {
namespace {

using Type = MetricsText::Type;
constexpr long long kHeartbeatFresh = 30;  // seconds, as the System page judges it

// moat-smtpd's heartbeat detail reads "sessions N, queue M".
std::optional<long long> sessionsOf(const std::string& detail) {
    constexpr std::string_view prefix = "sessions ";
    if (detail.rfind(prefix, 0) != 0) return std::nullopt;
    long long n = 0;
    auto begin = detail.data() + prefix.size();
    auto [end, ec] = std::from_chars(begin, detail.data() + detail.size(), n);
    if (ec != std::errc() || end == begin) return std::nullopt;
    return n;
}

void filesystem(MetricsText& m, std::string_view free_name, std::string_view size_name, const std::string& path,
                std::string_view what) {
    struct statvfs vfs {};
    if (statvfs(path.c_str(), &vfs) != 0) return;
    auto unit = static_cast<double>(vfs.f_frsize);
    m.family(free_name, Type::gauge, std::string("Bytes free to unprivileged users on the file system of ") +
                                         std::string(what) + ".");
    m.sample(free_name, {{"path", path}}, static_cast<double>(vfs.f_bavail) * unit);
    m.family(size_name, Type::gauge, std::string("Size in bytes of the file system of ") + std::string(what) + ".");
    m.sample(size_name, {{"path", path}}, static_cast<double>(vfs.f_blocks) * unit);
}

void dnsQueryTimes(MetricsText& m, const std::vector<store::DnsLatencyRow>& rows) {
    if (rows.empty()) return;
    m.family("moat_dns_query_duration_seconds", Type::histogram,
             "Time moat-smtpd's DNS queries took, by record type (cache hits not counted), since "
             "it started.");
    for (const auto& r : rows) {
        std::vector<MetricsText::Bucket> buckets;
        for (const auto& [le_us, n] : r.buckets)
            buckets.push_back({static_cast<double>(le_us) / 1e6, static_cast<double>(n)});
        m.histogram("moat_dns_query_duration_seconds", {{"type", r.type}}, buckets,
                    static_cast<double>(r.count), static_cast<double>(r.sum_us) / 1e6);
    }
}

web::Response metrics(const web::Request&, const web::Principal& principal, web::ApiContext& ctx) {
    if (!principal.trusted_network && !(principal.via_token && principal.isAdmin()))
        throw web::HttpError(403, "metrics need an administrator's API token or a maintenance network");
    long long now_ts = store::nowSeconds();
    auto session = ctx.store.connect();
    MetricsText m;

    auto queued = store::queueSummary(session);
    m.family("moat_queue_messages", Type::gauge, "Messages in the delivery queue.");
    m.sample("moat_queue_messages", static_cast<double>(queued.messages));
    m.family("moat_queue_oldest_age_seconds", Type::gauge,
             "Age of the oldest queued message in seconds (0 when the queue is empty).");
    m.sample("moat_queue_oldest_age_seconds",
             queued.messages > 0 ? static_cast<double>(std::max<long long>(0, now_ts - queued.oldest)) : 0.0);

    std::map<std::string, long long> by_outcome;
    for (const auto& c : store::trafficCounts(session, 0, now_ts / 3600 + 1)) by_outcome[c.category] += c.n;
    m.family("moat_messages_total", Type::counter,
             "Messages by outcome, summed over the hourly aggregates moat-smtpd keeps.");
    for (const auto& o : mail::kOutcomes)
        m.sample("moat_messages_total", {{"outcome", std::string(o.name)}},
                 static_cast<double>(by_outcome[std::string(o.name)]));

    m.family("moat_refusals_total", Type::counter, "Refusals by the check that refused, over the kept aggregates.");
    for (const auto& r : store::topRefusals(session, 0, 1000))
        m.sample("moat_refusals_total", {{"check", r.check}}, static_cast<double>(r.count));

    auto scand = readScandStatus(ctx.config.scan.status_file);
    m.family("moat_service_up", Type::gauge, "1 when the daemon's heartbeat is fresh (30 s), else 0.");
    std::optional<long long> smtp_sessions;
    for (const auto& s : store::serviceStatuses(session)) {
        if (s.name == "moat-scand") continue;  // its status file is the fresher source
        bool up = now_ts - s.heartbeat <= kHeartbeatFresh;
        m.sample("moat_service_up", {{"service", s.name}}, up ? 1 : 0);
        if (s.name == "moat-smtpd" && up) smtp_sessions = sessionsOf(s.detail);
    }
    m.sample("moat_service_up", {{"service", "moat-scand"}},
             scand && now_ts - scand->heartbeat <= kHeartbeatFresh ? 1 : 0);
    if (smtp_sessions) {
        m.family("moat_smtp_sessions", Type::gauge, "SMTP sessions open in moat-smtpd.");
        m.sample("moat_smtp_sessions", static_cast<double>(*smtp_sessions));
        dnsQueryTimes(m, store::dnsLatency(session));
    }
    m.family("moat_console_sessions", Type::gauge,
             "Console sessions logged in and not idle past [web] session_idle.");
    m.sample("moat_console_sessions",
             static_cast<double>(store::countWebSessions(
                 session, now_ts, now_ts - ctx.config.web.session_idle.count())));
    if (scand && !scand->clamav_version.empty()) {
        m.family("moat_scanner_signatures", Type::gauge, "Virus signatures loaded by moat-scand.");
        m.sample("moat_scanner_signatures", {{"clamav_version", scand->clamav_version}},
                 static_cast<double>(scand->signatures));
        if (scand->db_time > 0) {
            m.family("moat_scanner_signature_age_seconds", Type::gauge,
                     "Age in seconds of the newest signature database moat-scand loaded.");
            m.sample("moat_scanner_signature_age_seconds", static_cast<double>(now_ts - scand->db_time));
        }
    }

    filesystem(m, "moat_spool_filesystem_free_bytes", "moat_spool_filesystem_size_bytes", ctx.config.spool_dir,
               "the spool");
    auto totals = store::archiveTotals(session);
    auto settings = policy::Settings::load(session);
    m.family("moat_archive_messages", Type::gauge, "Messages in the archive.");
    m.sample("moat_archive_messages", static_cast<double>(totals.messages));
    m.family("moat_archive_bytes", Type::gauge, "Bytes the archived messages take.");
    m.sample("moat_archive_bytes", static_cast<double>(totals.bytes));
    m.family("moat_archive_quota_bytes", Type::gauge, "The archive's quota in bytes (archive.quota).");
    m.sample("moat_archive_quota_bytes", static_cast<double>(settings.integer("archive.quota")) * 1024 * 1024);
    auto min_free = static_cast<double>(settings.integer("archive.min_free")) * 1024 * 1024;
    auto free = archive::statvfsFreeSpace(ctx.config.archive_dir);
    if (free) {
        m.family("moat_archive_filesystem_free_bytes", Type::gauge,
                 "Bytes free on the archive's file system (archiving pauses under archive.min_free).");
        m.sample("moat_archive_filesystem_free_bytes", {{"path", ctx.config.archive_dir}}, static_cast<double>(*free));
        m.family("moat_archive_paused", Type::gauge, "1 while archiving is paused for lack of disk space.");
        m.sample("moat_archive_paused", static_cast<double>(*free) < min_free ? 1 : 0);
    }

    web::Response r;
    r.content_type = kMetricsContentType;
    r.body = m.text();
    return r;
}

}  // namespace

void registerMetricsApi(web::Router& router) {
    router.add("GET", "/metrics", metrics);
}

}  // namespace moat::api
