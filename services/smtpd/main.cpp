// moat-smtpd: the internet-facing SMTP gateway and its queue manager.
// Runs in the foreground (systemd supervises it), never as root in
// production, and stops cleanly on SIGTERM. Usage: moat-smtpd [--config FILE]
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <unordered_set>

#include "archive/archive_dir.h"
#include "archive/release_executor.h"
#include "archive/retention.h"
#include "config/config.h"
#include "dns/resolver.h"
#include "gateway/gateway_session.h"
#include "net/tls.h"
#include "policy/callout.h"
#include "policy/client_counters.h"
#include "policy/content_filter.h"
#include "policy/greylist.h"
#include "policy/lists.h"
#include "policy/policy_cache.h"
#include "policy/tokens.h"
#include "queue/committer.h"
#include "queue/delivery_manager.h"
#include "queue/spool.h"
#include "scan/scan_client.h"
#include "smtp/server.h"
#include "store/dns_latency.h"
#include "store/gateway_lock.h"
#include "store/list_entries.h"
#include "store/queue_records.h"
#include "store/service_status.h"
#include "store/store.h"
#include "store/traffic_stats.h"
#include "util/daemon_main.h"
#include "util/log.h"

using namespace moat;

namespace {

std::unordered_set<std::string> queuedIds(const store::Store& store) {
    auto session = store.connect();
    auto ids = store::allQueueIds(session);
    return {ids.begin(), ids.end()};
}

// Housekeeping off the SMTP path: list hit counters, the service heartbeat and
// the resolver's query times (for GET /metrics) go to the store every few seconds, the archive is
// held to its retention and quota every minute, old greylisting triplets, expired one-time tokens
// and old dashboard statistics are removed hourly.
class Maintenance {
public:
  Maintenance(const store::Store& store, policy::PolicyCache& policy, policy::ListHits& hits,
              policy::Greylist& greylist, policy::Tokens& tokens,
              const archive::ArchiveDir* archive, const dns::Resolver& resolver)
      : store_(store),
        policy_(policy),
        hits_(hits),
        greylist_(greylist),
        tokens_(tokens),
        archive_(archive),
        resolver_(resolver),
        thread_([this] { run(); }) {}
  // What the heartbeat says ("sessions N, queue M"), once the server runs.
  void setStatus(std::function<std::string()> status) {
      std::lock_guard lock(mutex_);
      status_ = std::move(status);
    }
    ~Maintenance() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_all();
        thread_.join();
        flushHits();
        greylist_.flush();
    }

private:
    void flushHits() {
        auto hits = hits_.drain();
        if (hits.empty()) return;
        try {
            auto session = store_.connect();
            store::addListHits(session, hits);
        } catch (const Poco::Exception& e) {
            log::warning("policy: cannot record list hits: " + e.displayText());
        }
    }
    // Expiry must respect the longest window and memory any domain has.
    policy::GreylistSettings longestGreylistMemory() const {
        auto snapshot = policy_.current();
        policy::GreylistSettings longest;
        longest.window = snapshot->settings.seconds("greylist.window");
        longest.remember = snapshot->settings.seconds("greylist.remember");
        for (const auto& [name, domain] : snapshot->domains) {
            longest.window = std::max(longest.window, snapshot->settings.seconds("greylist.window", name));
            longest.remember = std::max(longest.remember, snapshot->settings.seconds("greylist.remember", name));
        }
        return longest;
    }
    void purgeTokens() {
        try {
            if (auto removed = tokens_.purge()) log::info("tokens: removed " + std::to_string(removed) + " expired");
        } catch (const Poco::Exception& e) {
            log::warning("tokens: cannot remove expired tokens: " + e.displayText());
        }
    }
    void beat(const std::function<std::string()>& status) {
        try {
            auto session = store_.connect();
            store::heartbeat(session, "moat-smtpd", ::getpid(), started_, store::nowSeconds(),
                             status ? status() : "starting");
        } catch (const Poco::Exception& e) {
            log::warning("smtpd: cannot write the heartbeat: " + e.displayText());
        }
    }
    void recordDnsTimes() {
        std::vector<store::DnsLatencyRow> rows;
        for (const auto& h : resolver_.queryTimes()) {
            store::DnsLatencyRow row{h.type, h.count, h.sum_us, {}};
            for (std::size_t i = 0; i < h.cumulative.size(); ++i)
                row.buckets.emplace_back(dns::QueryTimes::kBoundsUs[i], h.cumulative[i]);
            rows.push_back(std::move(row));
        }
        try {
            auto session = store_.connect();
            store::putDnsLatency(session, rows, store::nowSeconds());
        } catch (const Poco::Exception& e) {
            log::warning("smtpd: cannot record the DNS query times: " + e.displayText());
        }
    }
    void keepArchive() {
        if (!archive_) return;
        try {
            auto settings = policy_.current()->settings;
            archive::RetentionLimits limits;
            limits.retention = settings.integer("archive.retention");
            limits.quota = static_cast<std::uint64_t>(settings.integer("archive.quota")) << 20;
            limits.min_free = static_cast<std::uint64_t>(settings.integer("archive.min_free")) << 20;
            auto session = store_.connect();
            auto r = archive::enforceRetention(session, *archive_, store::nowSeconds(), limits);
            if (r.expired || r.evicted || r.for_space)
                log::info("archive: removed " + std::to_string(r.expired) + " expired, " +
                          std::to_string(r.evicted) + " over-quota and " + std::to_string(r.for_space) +
                          " message(s) to keep the free-space reserve; " + std::to_string(r.bytes) + " bytes kept");
        } catch (const Poco::Exception& e) {
            log::warning("archive: housekeeping failed: " + e.displayText());
        }
    }
    void purgeStats() {
        try {
            auto session = store_.connect();
            if (auto n = store::purgeTrafficStats(session, store::nowSeconds()))
                log::info("stats: removed " + std::to_string(n) + " old dashboard row(s)");
        } catch (const Poco::Exception& e) {
            log::warning("stats: cannot remove old rows: " + e.displayText());
        }
    }
    void run() {
        auto last_expire = std::chrono::steady_clock::now();
        auto last_archive = std::chrono::steady_clock::now() - std::chrono::minutes(1);
        std::unique_lock lock(mutex_);
        for (bool first = true;; first = false) {
            if (!first && cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; })) break;
            auto status = status_;
            lock.unlock();
            flushHits();
            beat(status);
            recordDnsTimes();
            if (std::chrono::steady_clock::now() - last_archive >= std::chrono::minutes(1)) {
                last_archive = std::chrono::steady_clock::now();
                keepArchive();
            }
            if (std::chrono::steady_clock::now() - last_expire > std::chrono::hours(1)) {
                last_expire = std::chrono::steady_clock::now();
                auto removed = greylist_.expire(longestGreylistMemory());
                if (removed) log::info("greylist: expired " + std::to_string(removed) + " triplet(s)");
                purgeTokens();
                purgeStats();
            }
            lock.lock();
        }
    }

    const store::Store& store_;
    policy::PolicyCache& policy_;
    policy::ListHits& hits_;
    policy::Greylist& greylist_;
    policy::Tokens& tokens_;
    const archive::ArchiveDir* archive_;  // null: no archive
    const dns::Resolver& resolver_;
    long long started_ = store::nowSeconds();
    std::function<std::string()> status_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));

    sigset_t signals = util::blockDaemonSignals();

    auto store = store::Store::open(cfg.store_url);
    // Before anything touches the queue: a second gateway on this store stops here.
    auto gateway_lock = store::GatewayLock::acquire(cfg.store_url);
    queue::Spool spool(cfg.spool_dir);
    auto orphans = spool.removeOrphans(queuedIds(*store));
    if (orphans) log::info("queue: removed " + std::to_string(orphans) + " unacknowledged spool file(s)");
    // Without its directory Moat runs on unarchived: the archive never costs a message.
    std::optional<archive::ArchiveDir> archive_dir;
    try {
        archive_dir.emplace(cfg.archive_dir);
        auto session = store->connect();
        if (auto n = archive_dir->removeOrphans(archive::archivedFiles(session)))
            log::info("archive: removed " + std::to_string(n) + " file(s) without an index entry");
    } catch (const std::filesystem::filesystem_error& e) {
        log::error("archive: cannot use " + cfg.archive_dir + " (" + e.what() + "): messages are NOT archived");
        archive_dir.reset();
    }

    std::string cert = cfg.smtp.tls_cert, key = cfg.smtp.tls_key;
    if (cert.empty()) {
        cert = cfg.spool_dir + "/tls/selfsigned.crt";
        key = cfg.spool_dir + "/tls/selfsigned.key";
        net::ensureSelfSignedCertificate(cert, key, cfg.smtp.hostname);
    }
    auto server_tls = net::serverTlsContext(cert, key);
    auto client_tls = net::clientTlsContext();

    dns::Options dns_options;
    for (const auto& s : cfg.dns_servers) dns_options.servers.push_back({s.host, s.port});
    dns_options.timeout = cfg.dns_timeout;
    dns::Resolver resolver(dns_options);

    policy::PolicyCache policy_cache(*store, cfg.pop_before_smtp_minutes);
    policy_cache.reload();
    policy_cache.startWatching(std::chrono::milliseconds(250));

    queue::Committer committer(*store, spool);
    auto backend_of = [&policy_cache](const std::string& domain) -> std::optional<queue::Backend> {
        auto snapshot = policy_cache.current();
        if (const auto* d = snapshot->domain(domain)) return queue::Backend{d->backend_host, d->backend_port};
        return std::nullopt;
    };
    queue::DeliveryManager delivery(cfg, *store, spool, committer, backend_of, &resolver, client_tls);
    delivery.start();

    policy::Greylist greylist(*store);
    policy::ListHits list_hits;
    policy::ClientCounters client_counters(store.get());
    policy::Tokens tokens(*store);
    Maintenance maintenance(*store, policy_cache, list_hits, greylist, tokens,
                            archive_dir ? &*archive_dir : nullptr, resolver);

    policy::Callout callout(*store, {.helo_name = cfg.smtp.hostname});
    policy::ContentFilter content(*store, &resolver);
    std::optional<scan::ScanClient> scanner;
    if (cfg.scan.socket.empty())
        log::warning("smtpd: [scan] socket is empty: mail is NOT scanned for viruses or blocked attachments");
    else
        scanner.emplace(cfg.scan.socket);
    if (scanner && !cfg.scan.socket_configured && !std::filesystem::exists(cfg.scan.socket))
        log::warning("smtpd: no moat-scand at " + cfg.scan.socket +
                     " (the default [scan] socket): mail is not scanned until one listens there");
    gateway::GatewayServices services{cfg,      policy_cache, spool,      committer,       delivery, &resolver, greylist,
                                   list_hits, server_tls,  client_counters, tokens, callout, content,
                                   scanner ? &*scanner : nullptr, archive_dir ? &*archive_dir : nullptr};
    smtp::Server server(cfg.smtp, server_tls,
                        [&services] { return std::make_unique<gateway::GatewaySession>(services); });
    server.start();
    maintenance.setStatus([&server, &store = *store] {
        auto session = store.connect();
        auto queued = store::queueLength(session);
        return "sessions " + std::to_string(server.activeSessions()) + ", queue " + std::to_string(queued);
    });
    // Released copies go through the queue like accepted mail, but are not scanned again.
    std::optional<archive::ReleaseExecutor> releases;
    if (archive_dir) {
        releases.emplace(*store, spool, *archive_dir, [&](const mail::Envelope& env) {
            delivery.reserve(env.id);
            if (!committer.enqueue(env)) {
                delivery.release(env.id);
                return false;
            }
            delivery.submit(env);
            return true;
        });
        releases->start();
    }
    log::info("smtpd: listening on " + cfg.smtp.listen.host + ":" + std::to_string(server.port()) + " as " +
              cfg.smtp.hostname);

    for (;;) {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGHUP) {
            log::info("smtpd: SIGHUP: reloading relay data");
            policy_cache.reload();
            continue;
        }
        log::info(std::string("smtpd: ") + strsignal(sig) + ", shutting down");
        break;
    }
    if (releases) releases->stop();
    maintenance.setStatus({});
    server.stop();
    delivery.stop();
    committer.stop();
    policy_cache.stop();
    if (server.activeSessions() > 0) {
        log::info("smtpd: exiting with sessions still open; their clients will retry");
        std::_Exit(0);
    }
    log::info("smtpd: stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return util::daemonMain(argc, argv, "moat-smtpd", run);
}
