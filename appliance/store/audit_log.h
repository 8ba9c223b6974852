// The audit log: who changed what, from the console, the API or moatctl.
// Every state-changing API request and every release writes one row; the
// console shows it to administrators. Never throws for long text (it is cut).
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct AuditEntry {
    long long id = 0;
    long long ts = 0;
    std::string user, client_ip, action, target, detail;
};

void audit(Poco::Data::Session& session, std::string_view user, std::string_view client_ip,
           std::string_view action, std::string_view target, std::string_view detail = {});

// Newest first; at most `limit` rows older than `before_id` (0: from the newest).
std::vector<AuditEntry> listAudit(Poco::Data::Session& session, int limit, long long before_id = 0);

}  // namespace moat::store
