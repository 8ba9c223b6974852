#include "policy/policy_cache.h"

#include "store/generation.h"
#include "store/pop_relayers.h"
#include "store/read_transaction.h"
#include "store/relay_networks.h"
#include "store/valid_addresses.h"
#include "util/log.h"

#include <Poco/Data/Statement.h>
#include <Poco/String.h>


namespace moat::policy {

const store::Domain* PolicySnapshot::domain(std::string_view name) const {
    auto it = domains.find(Poco::toLower(std::string(name)));
    return it == domains.end() ? nullptr : &it->second;
}

bool PolicySnapshot::relayAuthorised(const Poco::Net::IPAddress& client, long long now) const {
    for (const auto& net : relay_networks)
        if (net.contains(client)) return true;
    auto it = pop_relayers.find(net::canonicalIp(client));
    return it != pop_relayers.end() && it->second >= now - pop_window_minutes * 60LL;
}

PolicyCache::PolicyCache(const store::Store& store, int pop_window_minutes)
    : store_(store), pop_window_minutes_(pop_window_minutes), snapshot_(std::make_shared<PolicySnapshot>()) {}

PolicyCache::~PolicyCache() { stop(); }

std::shared_ptr<const PolicySnapshot> PolicyCache::current() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

long long PolicyCache::generation(Poco::Data::Session& session) {
    return store::policyGeneration(session);
}

void PolicyCache::reload() {
    auto session = store_.connect();
    auto snap = std::make_shared<PolicySnapshot>();
    snap->pop_window_minutes = pop_window_minutes_;
    store::ReadTransaction snapshot(session);  // one consistent read
    long long gen = generation(session);
    for (auto& d : store::listDomains(session)) snap->domains.emplace(Poco::toLower(d.name), d);
    for (auto& r : store::listRelayNetworks(session))
        if (auto cidr = net::Cidr::parse(r.cidr)) snap->relay_networks.push_back(*cidr);
    long long since = store::nowSeconds() - pop_window_minutes_ * 60LL;
    for (auto& p : store::listPopRelayers(session, since)) snap->pop_relayers[p.ip] = p.ts;
    snap->settings = Settings::load(session);
    snap->lists = ListSet::load(session);
    for (auto& a : store::allValidAddresses(session)) snap->valid_addresses.insert(std::move(a));
    snap->generation = gen;
    snap->zones = store::listDnsZones(session);
    snapshot.finish();
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snap);
    generation_ = gen;
}

void PolicyCache::startWatching(std::chrono::milliseconds interval) {
    watcher_ = std::thread([this, interval] {
        std::unique_ptr<Poco::Data::Session> session;
        std::unique_lock lock(stop_mutex_);
        while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
            try {
                if (!session) session = std::make_unique<Poco::Data::Session>(store_.connect());
                long long gen = generation(*session);
                long long known;
                {
                    std::lock_guard l(mutex_);
                    known = generation_;
                }
                if (gen != known) {
                    reload();
                    log::info("policy: domains, relay data, settings and lists reloaded (generation " + std::to_string(gen) + ")");
                }
            } catch (const Poco::Exception& e) {
                log::warning("policy: reload failed, keeping the previous data: " + e.displayText());
                session.reset();
            }
        }
    });
}

void PolicyCache::stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    if (watcher_.joinable()) watcher_.join();
}

}  // namespace moat::policy
