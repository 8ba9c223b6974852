// Guards the gateway against one client: refuses it at connect while it is
// shut out, notes the first bot behaviour the protocol reports as a
// finding ("bot"), counts its refusals and unknown recipients in the shared
// per-IP counters (policy/client_counters.h), holds replies back while it is
// slowed down, and ends the session once it is shut out. At the end it
// records the connection for the per-MTA statistics.
#pragma once

#include "mail/reply.h"
#include "smtp/session_handler.h"

#include <optional>
#include <string>
#include <string_view>

namespace moat::policy {
class ClientCounters;
class PolicyCache;
}  // namespace moat::policy
namespace moat::queue {
class Committer;
}

namespace moat::gateway {

class ClientEvidence;

class ClientGuard {
  public:
    ClientGuard(policy::ClientCounters& counters, policy::PolicyCache& policy, const std::string& hostname,
                const std::string& client_ip, ClientEvidence& evidence);

    smtp::Admission admit();
    void behaviour(std::string_view what);
    void replying(std::string_view verb, const mail::Reply& reply);
    std::optional<smtp::ShutOut> shutOut() const;
    // A transaction's category counts the connection as wanted (accepted
    // mail) or unwanted (refused, tagged, a virus).
    void transactionCategory(const std::string& category);
    void closed(queue::Committer& committer, const std::string& client_name);

  private:
    smtp::ShutOut shutOutReply(const std::string& reason) const;

    policy::ClientCounters& counters_;
    policy::PolicyCache& policy_;
    const std::string& hostname_;
    std::string client_ip_;
    ClientEvidence& evidence_;
    bool bot_noted_ = false;
    std::optional<std::string> shut_out_;  // rate limit reached: why the session ends with 421
    int wanted_ = 0;
    int unwanted_ = 0;
};

}  // namespace moat::gateway
