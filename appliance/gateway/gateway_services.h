// The daemon-wide services the gateway's decisions use; all outlive every
// session. moat-smtpd builds one and hands it to every GatewaySession.
#pragma once

#include "config/config.h"

#include <Poco/Net/Context.h>

namespace moat::dns {
class Resolver;
}
namespace moat::policy {
class ClientCounters;
class Callout;
class Greylist;
class ContentFilter;
class ListHits;
class PolicyCache;
class Tokens;
}  // namespace moat::policy
namespace moat::scan {
class ScanClient;
}
namespace moat::archive {
class ArchiveDir;
}
namespace moat::queue {
class Committer;
class DeliveryManager;
class Spool;
}  // namespace moat::queue

namespace moat::gateway {

struct GatewayServices {
    const config::Config& config;
    policy::PolicyCache& policy_cache;
    queue::Spool& spool;
    queue::Committer& committer;
    queue::DeliveryManager& delivery;
    dns::Resolver* resolver;  // null: no DNS checks
    policy::Greylist& greylist;
    policy::ListHits& list_hits;
    Poco::Net::Context::Ptr tls;  // null: no STARTTLS
    policy::ClientCounters& client_counters;
    policy::Tokens& tokens;
    policy::Callout& callout;           // recipient validation by the backend
    policy::ContentFilter& content;     // content scoring after DATA
    scan::ScanClient* scanner;          // null: no virus and attachment scanning ([scan] socket empty)
    archive::ArchiveDir* archive = nullptr;  // null: no archive
};

}  // namespace moat::gateway
