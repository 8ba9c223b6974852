#include "firewall/firewall_policy.h"

namespace moat::firewall {

std::optional<std::string> lockoutProblem(const FirewallPolicy& policy) {
    if (policy.allow_lockout || !policy.maintenance.empty() || !policy.admin.empty() || policy.console_loopback)
        return std::nullopt;
    return "no maintenance network (setting firewall.maintenance_networks) or admin network "
           "(firewall.admin_networks) is configured while the console "
           "listens on port " +
           std::to_string(policy.console_port) +
           ": the console and SSH would be closed to everyone. Add the networks the administrators use, or set "
           "[firewall] allow_lockout = yes to apply it anyway";
}

}  // namespace moat::firewall
