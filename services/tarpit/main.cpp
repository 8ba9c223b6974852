// moat-tarpit: holds the SMTP clients moat-firewall put in its tarpit set
// (their connections to the SMTP ports are redirected to [firewall]
// tarpit_port) and answers them as OpenBSD spamd answers a blacklisted
// client: every reply one byte per tarpit_stutter_ms, then 451 at DATA, 421
// at QUIT or when tarpit_hold is over, and the connection closes; each held
// client is logged with how long it was held and the bytes it sent. One
// thread, one epoll set (tarpit_loop.h). No store, no privileges.
// Usage: moat-tarpit [--config FILE]
#include <sys/resource.h>

#include <csignal>
#include <stdexcept>

#include "config/config.h"
#include "tarpit_loop.h"
#include "util/daemon_main.h"
#include "util/log.h"

using namespace moat;

namespace {

volatile std::sig_atomic_t g_stop = 0;

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));
    if (cfg.firewall.tarpit_port == 0)
        throw std::runtime_error("[firewall] tarpit_port is 0: no tarpit configured");
    // One descriptor per held client, and a few for ourselves: never more
    // clients than descriptors (accept would fail and spin).
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur != RLIM_INFINITY && cfg.firewall.tarpit_max + 32 > lim.rlim_cur) {
        cfg.firewall.tarpit_max = lim.rlim_cur > 64 ? lim.rlim_cur - 32 : 32;
        log::warning("tarpit: only " + std::to_string(lim.rlim_cur) + " descriptors: at most " +
                     std::to_string(cfg.firewall.tarpit_max) + " clients (raise LimitNOFILE)");
    }
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    tarpit::TarpitLoop loop(cfg.firewall, cfg.smtp.hostname);
    log::info("tarpit: holding clients on port " + std::to_string(cfg.firewall.tarpit_port) +
              " (a byte every " + std::to_string(cfg.firewall.tarpit_stutter.count()) + " ms, " +
              std::to_string(cfg.firewall.tarpit_hold.count()) + " s at most, " +
              std::to_string(cfg.firewall.tarpit_max) + " clients at most)");
    loop.run(g_stop);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return util::daemonMain(argc, argv, "moat-tarpit", run);
}
