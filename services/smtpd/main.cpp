// moat-smtpd: the internet-facing SMTP gateway and its queue manager.
// Runs in the foreground (systemd supervises it), never as root in
// production, and stops cleanly on SIGTERM. Usage: moat-smtpd [--config FILE]
#include "config/config.h"
#include "dns/resolver.h"
#include "net/tls.h"
#include "policy/client_counters.h"
#include "policy/content_filter.h"
#include "policy/callout.h"
#include "policy/greylist.h"
#include "policy/lists.h"
#include "policy/policy_cache.h"
#include "policy/tokens.h"
#include "queue/committer.h"
#include "queue/delivery_manager.h"
#include "queue/spool.h"
#include "scan/scan_client.h"
#include "smtp/server.h"
#include "store/list_entries.h"
#include "store/store.h"
#include "util/log.h"

#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <condition_variable>
#include <csignal>
#include <cstring>
#include <iostream>
#include <filesystem>
#include <optional>
#include <unordered_set>

using namespace moat;
using namespace Poco::Data::Keywords;

namespace {

int usage(int code) {
    (code ? std::cerr : std::cout) << "usage: moat-smtpd [--config FILE]\n"
                                      "  --config FILE  configuration file (default /etc/moat/moat.ini)\n";
    return code;
}

std::unordered_set<std::string> queuedIds(const store::Store& store) {
    auto session = store.connect();
    std::vector<std::string> ids;
    session << "SELECT id FROM queue", into(ids), now;
    return {ids.begin(), ids.end()};
}

// Housekeeping off the SMTP path: list hit counters go to the store every few
// seconds, old greylisting triplets and expired one-time tokens are removed hourly.
class Maintenance {
public:
    Maintenance(const store::Store& store, policy::PolicyCache& policy, policy::ListHits& hits,
                policy::Greylist& greylist, policy::Tokens& tokens)
        : store_(store), policy_(policy), hits_(hits), greylist_(greylist), tokens_(tokens),
          thread_([this] { run(); }) {}
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
    void run() {
        auto last_expire = std::chrono::steady_clock::now();
        std::unique_lock lock(mutex_);
        while (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; })) {
            lock.unlock();
            flushHits();
            if (std::chrono::steady_clock::now() - last_expire > std::chrono::hours(1)) {
                last_expire = std::chrono::steady_clock::now();
                auto removed = greylist_.expire(longestGreylistMemory());
                if (removed) log::info("greylist: expired " + std::to_string(removed) + " triplet(s)");
                purgeTokens();
            }
            lock.lock();
        }
    }

    const store::Store& store_;
    policy::PolicyCache& policy_;
    policy::ListHits& hits_;
    policy::Greylist& greylist_;
    policy::Tokens& tokens_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));

    // Signals are taken synchronously by the main thread only.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto store = store::Store::open(cfg.store_url);
    queue::Spool spool(cfg.spool_dir);
    auto orphans = spool.removeOrphans(queuedIds(*store));
    if (orphans) log::info("queue: removed " + std::to_string(orphans) + " unacknowledged spool file(s)");

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
    queue::DeliveryManager delivery(cfg, *store, spool, committer, policy_cache, &resolver, client_tls);
    delivery.start();

    policy::Greylist greylist(*store);
    policy::ListHits list_hits;
    policy::ClientCounters client_counters(store.get());
    policy::Tokens tokens(*store);
    Maintenance maintenance(*store, policy_cache, list_hits, greylist, tokens);

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
    smtp::SessionServices services{cfg,      policy_cache, spool,      committer,       delivery, &resolver, greylist,
                                   list_hits, server_tls,  client_counters, tokens, callout, content,
                                   scanner ? &*scanner : nullptr};
    smtp::Server server(services, cfg.smtp.listen);
    server.start();
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
    std::string config_path = config::kDefaultPath;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--config" && i + 1 < argc) {
            config_path = argv[++i];
        } else if (arg.rfind("--config=", 0) == 0) {
            config_path = arg.substr(9);
        } else if (arg == "--help" || arg == "-h") {
            return usage(0);
        } else {
            std::cerr << "moat-smtpd: unknown argument '" << arg << "'\n";
            return usage(2);
        }
    }
    try {
        return run(config_path);
    } catch (const Poco::Exception& e) {
        std::cerr << "moat-smtpd: " << e.displayText() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "moat-smtpd: " << e.what() << "\n";
    }
    return 1;
}
