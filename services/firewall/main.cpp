// moat-firewall: owns the appliance's nftables table (inet moat) through
// libnftables. Applies the ruleset built from [firewall] and the firewall.*
// settings in one transaction, re-applies it within a second of a settings
// change, blocks what moat-smtpd's rate limits shut out, and takes reports
// on its unix socket ([firewall] socket) from moat-smtpd, moat-webui and
// moatctl. Holds only CAP_NET_ADMIN (systemd/moat-firewall.service); no
// network listener. Usage: moat-firewall [--config FILE]
#include <pwd.h>

#include <atomic>
#include <csignal>
#include <map>
#include <thread>

#include "config/config.h"
#include "firewall/report.h"
#include "firewall_daemon.h"
#include "report_socket.h"
#include "store/store.h"
#include "util/daemon_main.h"
#include "util/log.h"

using namespace moat;

namespace {

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));
    sigset_t signals = util::blockDaemonSignals();
    auto store = store::Store::open(cfg.store_url);

    firewall::FirewallDaemon daemon(cfg, *store);
    daemon.start();  // throws with the reason: systemd shows it and the old ruleset (if any) stays

    std::map<uid_t, std::string> allowed;
    for (const auto& name : cfg.firewall.report_users)
        if (const passwd* pw = ::getpwnam(name.c_str())) allowed.emplace(pw->pw_uid, name);
    firewall::ReportSocket socket(cfg.firewall.socket, allowed, [&](const std::string& message, const std::string& source) {
        auto parsed = firewall::parseReport(message);
        if (auto* why = std::get_if<std::string>(&parsed)) {
            log::warning("firewall: refused a report from " + source + ": " + *why);
            return "refused: " + *why;
        }
        try {
            return daemon.handle(std::get<firewall::Report>(parsed), source);
        } catch (const std::exception& e) {
            log::error(std::string("firewall: ") + e.what());
            return std::string("error: ") + e.what();
        }
    });

    std::atomic<bool> stopping{false};
    std::thread ticker([&] {
        while (!stopping) {
            try {
                daemon.tick();
            } catch (const std::exception& e) {
                log::error(std::string("firewall: ") + e.what());
            }
            for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    std::thread server([&] {
        while (!stopping) socket.serveOne(200);
    });
    log::info("firewall: listening on " + cfg.firewall.socket);
    int sig = 0;
    sigwait(&signals, &sig);
    log::info("firewall: shutting down; the ruleset and its sets stay in the kernel");
    stopping = true;
    ticker.join();
    server.join();
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return util::daemonMain(argc, argv, "moat-firewall", run); }
