// What moat-smtpd decides on, held as an immutable snapshot: the protected
// domains, the relay networks, the recent POP-before-SMTP logins and the
// policy settings (global and per domain), the white/black lists and the
// DNS zones the checks query. A watcher thread
// polls the store's generation counter (bumped by triggers on every change)
// and swaps in a new snapshot, so console and moatctl changes apply within a
// poll interval without a restart; sessions never wait on the store.
#pragma once

#include "net/cidr.h"
#include "policy/lists.h"
#include "policy/settings.h"
#include "store/dns_zones.h"
#include "store/domains.h"
#include "store/store.h"

#include <Poco/Net/IPAddress.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace moat::policy {

struct PolicySnapshot {
    std::unordered_map<std::string, store::Domain> domains;  // key: lower-case name
    std::vector<net::Cidr> relay_networks;
    std::unordered_map<std::string, long long> pop_relayers;  // normalised IP -> login time
    int pop_window_minutes = 30;
    Settings settings;
    std::shared_ptr<const ListSet> lists = ListSet::build({});
    std::unordered_set<std::string> valid_addresses;  // every domain's valid addresses, canonical
    long long generation = 0;                         // the store generation this was read at
    std::vector<store::DnsZone> zones;  // the DNS checks' zones, by kind and name

    const store::Domain* domain(std::string_view name) const;
    bool relayAuthorised(const Poco::Net::IPAddress& client, long long now) const;
};

class PolicyCache {
public:
    PolicyCache(const store::Store& store, int pop_window_minutes);
    ~PolicyCache();
    PolicyCache(const PolicyCache&) = delete;
    PolicyCache& operator=(const PolicyCache&) = delete;

    std::shared_ptr<const PolicySnapshot> current() const;
    void reload();  // synchronous; also used at start-up
    void startWatching(std::chrono::milliseconds interval);
    void stop();

private:
    long long generation(Poco::Data::Session& session);

    const store::Store& store_;
    int pop_window_minutes_;
    mutable std::mutex mutex_;
    std::shared_ptr<const PolicySnapshot> snapshot_;
    long long generation_ = -1;
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::thread watcher_;
};

}  // namespace moat::policy
