// moat-sshwatch: turns sshd's failed logins into blocks. Reads sshd's
// messages from the systemd journal (ssh_journal.h), matches the failures
// (firewall/ssh_auth_line.h), counts them per address ([firewall]
// ssh_failures within ssh_window) and reports an address that reaches the
// count to moat-firewall's socket, to be blocked for ssh_block_time. Holds no
// privilege: the journal through the systemd-journal group, the socket
// through the moat group; no network, no store (systemd/moat-sshwatch.service,
// docs/firewall.md). Usage: moat-sshwatch [--config FILE]
#include <csignal>
#include <cstring>
#include <ctime>

#include "config/config.h"
#include "firewall/failure_counter.h"
#include "firewall/firewall_client.h"
#include "firewall/report.h"
#include "firewall/ssh_auth_line.h"
#include "net/cidr.h"
#include "ssh_journal.h"
#include "util/daemon_main.h"
#include "util/log.h"

using namespace moat;

namespace {

// moat-firewall's answer is logged; a firewall that is down or slow costs
// this reader at most the timeout, and the next threshold reports again.
void report(const config::Config& cfg, const std::string& address) {
    firewall::Report r;
    r.verb = firewall::Report::Verb::block;
    r.address = address;
    r.seconds = cfg.firewall.ssh_block_time.count();
    r.reason = "ssh-login: " + std::to_string(cfg.firewall.ssh_failures) +
               " failed SSH logins in " + std::to_string(cfg.firewall.ssh_window.count()) + " s";
    try {
        auto answer = firewall::askFirewall(cfg.firewall.socket, firewall::formatReport(r),
                                            std::chrono::seconds(2));
        if (answer.rfind("ok", 0) == 0)
            log::info("sshwatch: " + address + ": " + r.reason + "; moat-firewall: " + answer);
        else
            log::warning("sshwatch: " + address + ": " + r.reason + "; moat-firewall: " + answer);
    } catch (const std::exception& e) {
        log::error("sshwatch: cannot report " + address + ": " + e.what());
    }
}

bool isLoopback(const std::string& address) {
    auto ip = net::parseIp(address);
    return ip && ip->isLoopback();
}

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));
    sigset_t signals = util::blockDaemonSignals();
    sshwatch::SshJournal journal;
    firewall::FailureCounter counter(cfg.firewall.ssh_failures, cfg.firewall.ssh_window.count());
    log::info("sshwatch: reading sshd's failed logins from the journal; " +
              std::to_string(cfg.firewall.ssh_failures) + " in " +
              std::to_string(cfg.firewall.ssh_window.count()) + " s block an address for " +
              std::to_string(cfg.firewall.ssh_block_time.count()) + " s");
    const timespec poll{0, 0};
    for (;;) {
        int sig = sigtimedwait(&signals, nullptr, &poll);
        if (sig > 0 && sig != SIGHUP) {
            log::info(std::string("sshwatch: ") + strsignal(sig) + ", shutting down");
            return 0;
        }
        journal.wait(std::chrono::milliseconds(500));
        while (auto message = journal.next()) {
            auto failure = firewall::parseSshAuthLine(*message);
            if (!failure || isLoopback(failure->address)) continue;
            log::debug("sshwatch: failed SSH login from " + failure->address);
            if (counter.add(failure->address, static_cast<long long>(std::time(nullptr))))
                report(cfg, failure->address);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    return util::daemonMain(argc, argv, "moat-sshwatch", run);
}
