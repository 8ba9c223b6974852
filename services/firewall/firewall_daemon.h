// moat-firewall's state and decisions: builds the FirewallPolicy from the
// configuration and the policy settings, applies the ruleset (refusing one
// that would lock the administrator out), keeps the blocked and tarpit sets
// and the firewall_blocks rows in step, restores them after a restart with
// their remaining time, blocks what moat-smtpd's rate limits shut out
// (client_events; a directory harvester goes to the tarpit when there is
// one), and answers reports. Trusts no report: each is parsed
// and validated (firewall/report.h), and maintenance networks and allow-
// listed clients are never blocked. Records what the kernel's rate meter
// blocks on its own, and writes a heartbeat for the System page.
// Thread-safe: one mutex around it all.
#pragma once

#include "config/config.h"
#include "firewall/firewall_policy.h"
#include "firewall/report.h"
#include "nft.h"
#include "store/store.h"

#include <mutex>
#include <string>

namespace moat::firewall {

class FirewallDaemon {
  public:
    FirewallDaemon(const config::Config& cfg, const store::Store& store);

    // Applies the ruleset and restores the sets; throws (with the reason)
    // when the policy would lock the administrator out or nft refuses it.
    void start();
    // Every second: a settings change re-applies the ruleset (a refused one
    // is logged and the previous stays); new client_events block; old rows go.
    // Every few seconds: the sources the kernel's SMTP rate meter blocked are
    // recorded (firewall_blocks, so the console and moatctl list them and a
    // restart restores them) and the heartbeat is written (service_status).
    void tick();
    // The answer to one report from source ("moatctl", "smtpd", ...).
    std::string handle(const Report& report, const std::string& source);

  private:
    FirewallPolicy currentPolicy(Poco::Data::Session& session) const;
    void apply(const FirewallPolicy& policy);  // throws std::runtime_error
    std::string block(const Report& report, const std::string& source);
    std::string unblock(const std::string& ip);
    std::string list(Poco::Data::Session& session) const;
    std::string status(Poco::Data::Session& session) const;
    void recordKernelBlocks(Poco::Data::Session& session);
    void beat(Poco::Data::Session& session);
    // Why ip must never be blocked, or "".
    std::string protectedReason(Poco::Data::Session& session, const std::string& ip) const;

    const config::Config& cfg_;
    const store::Store& store_;
    Nft nft_;
    std::mutex mutex_;
    FirewallPolicy policy_;
    long long generation_ = -1;
    long long events_since_ = 0;  // client_events at or after this ts are looked at
    long long last_event_id_ = 0;
    long long started_ = 0;
    unsigned ticks_ = 0;
};

}  // namespace moat::firewall
