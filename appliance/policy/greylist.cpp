#include "policy/greylist.h"

#include <Poco/String.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <stdexcept>

#include "net/cidr.h"
#include "store/connection_tuning.h"
#include "store/greylist_records.h"
#include "util/ascii_text.h"
#include "util/log.h"


namespace moat::policy {
namespace {

// A check waits at most this long for a locked store before deciding from memory.
constexpr int kReadBusyTimeoutMs = 250;
constexpr std::size_t kIdleSessions = 16;
constexpr auto kBatchInterval = std::chrono::milliseconds(200);
constexpr auto kRetryInterval = std::chrono::seconds(1);
constexpr auto kMaintenanceInterval = std::chrono::seconds(60);

std::string tripletKey(const std::string& network, const std::string& sender,
                       const std::string& recipient) {
    std::string key;
    key.reserve(network.size() + sender.size() + recipient.size() + 2);
    key.append(network).push_back('\0');
    key.append(sender).push_back('\0');
    key.append(recipient);
    return key;
}

void splitKey(const std::string& key, std::string& network, std::string& sender,
              std::string& recipient) {
    auto a = key.find('\0');
    auto b = key.find('\0', a + 1);
    network = key.substr(0, a);
    sender = key.substr(a + 1, b - a - 1);
    recipient = key.substr(b + 1);
}

std::string seconds(long long n) {
    return std::to_string(n) + (n == 1 ? " second" : " seconds");
}

std::string days(long long secs) {
    long long d = secs / 86400;
    return d >= 1 ? std::to_string(d) + (d == 1 ? " day" : " days") : seconds(secs);
}

// Store trouble on the read path is logged at most every ten seconds: at
// hundreds of sessions a second one line per check would drown the log.
void warnRateLimited(const std::string& text) {
    static std::atomic<long long> last{0};
    long long t = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
    long long prev = last.load();
    if (t - prev >= 10 && last.compare_exchange_strong(prev, t)) log::warning(text);
}

std::string describe(const std::exception& e) {
    if (auto* p = dynamic_cast<const Poco::Exception*>(&e)) return p->displayText();
    return e.what();
}

}  // namespace

std::string greylistNetwork(const Poco::Net::IPAddress& client) {
    std::string ip = net::canonicalIp(client);  // IPv4-mapped IPv6 becomes IPv4
    bool v4 = ip.find(':') == std::string::npos;
    auto cidr = net::Cidr::parse(ip + (v4 ? "/24" : "/64"));
    if (!cidr) throw std::logic_error("greylist: canonical address '" + ip + "' does not parse");
    return cidr->str();
}

std::string Greylist::replyText(long long retry_after) {
    return "Greylisted: please try again in " + seconds(retry_after) +
           "; a mail server retries on its own and this happens only once per sender and "
           "recipient";
}

Greylist::Greylist(const store::Store& store, std::function<long long()> clock,
                   std::size_t max_entries)
    : store_(store), clock_(std::move(clock)), max_entries_(std::max<std::size_t>(max_entries, 1)) {
    load();
    writer_ = std::thread([this] { run(); });
}

Greylist::~Greylist() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();
}

void Greylist::load() {
    const GreylistSettings defaults;
    try {
        auto session = store_.connect();
        const auto limit = static_cast<std::int64_t>(max_entries_);
        const auto stored = store::recentGreylistTriplets(session, limit);
        const auto clients = store::recentGreylistClients(session, limit);

        std::lock_guard lock(mutex_);
        for (const auto& t : stored) {
            Entry e;
            e.first_seen = t.first_seen;
            e.last_seen = t.last_seen;
            e.passed = t.passed;
            e.keep_until = e.passed ? e.last_seen + defaults.remember.count()
                                    : e.first_seen + defaults.window.count();
            triplets_.emplace(tripletKey(t.client_net, t.sender, t.recipient), e);
        }
        for (const auto& c : clients)
            clients_[c.client_net] = {c.passes, c.last_seen, c.last_seen + defaults.remember.count()};
        log::info("greylist: loaded " + std::to_string(stored.size()) + " triplets and " +
                  std::to_string(clients.size()) + " client networks");
    } catch (const std::exception& e) {
        log::warning("greylist: cannot load from the store, starting empty: " + describe(e));
    }
}

bool Greylist::isWhitelisted(const std::string& network, const GreylistSettings& settings) const {
    if (settings.auto_whitelist_passes <= 0) return false;
    auto it = clients_.find(network);
    return it != clients_.end() && it->second.passes >= settings.auto_whitelist_passes;
}

void Greylist::touchClient(const std::string& network, long long passes, long long now,
                           const GreylistSettings& settings) {
    Client& c = clients_[network];
    c.passes += passes;
    c.last_seen = std::max(c.last_seen, now);
    c.keep_until = c.last_seen + settings.remember.count();
    ClientDelta& d = client_deltas_[network];
    d.passes += passes;
    d.last_seen = std::max(d.last_seen, now);
}

Greylist::Result Greylist::whitelisted(const std::string& network, long long now,
                                       const GreylistSettings& settings) {
    touchClient(network, 0, now, settings);  // stays whitelisted while it keeps sending
    wake_.notify_one();
    Result r;
    r.verdict = Result::pass;
    r.client_whitelisted = true;
    r.reason = "greylisting skipped: client network " + network + " auto-whitelisted after " +
               std::to_string(clients_[network].passes) + " passes";
    return r;
}

Greylist::Result Greylist::decide(const std::string& key, const std::string& network, long long now,
                                  const GreylistSettings& settings) {
    const long long delay = settings.delay.count();
    const long long window = settings.window.count();
    const long long remember = settings.remember.count();
    auto [it, inserted] = triplets_.try_emplace(key);
    Entry& e = it->second;
    Result r;
    if (!inserted && e.passed && now - e.last_seen <= remember) {
        r.verdict = Result::pass;
        r.reason = "greylisting passed: this network delivered for this sender and recipient " +
                   days(now - e.last_seen) + " ago";
        e.last_seen = now;
        touchClient(network, 1, now, settings);
    } else if (!inserted && !e.passed && now < e.first_seen + delay) {
        r.verdict = Result::defer;
        r.retry_after = e.first_seen + delay - now;
        r.reason = "greylisted: retried " + seconds(now - e.first_seen) +
                   " after the first attempt, " + seconds(r.retry_after) + " too early";
        e.last_seen = std::max(e.last_seen, now);
    } else if (!inserted && !e.passed && now <= e.first_seen + window) {
        r.verdict = Result::pass;
        r.reason = "greylisting passed: retried " + seconds(now - e.first_seen) +
                   " after the first attempt";
        e.passed = true;
        e.last_seen = now;
        touchClient(network, 1, now, settings);
    } else {
        if (inserted)
            r.reason = "greylisted: first attempt from this network for this sender and recipient";
        else if (e.passed)
            r.reason = "greylisted: nothing from this network for this sender and recipient for " +
                       days(now - e.last_seen) + ", starting again";
        else
            r.reason = "greylisted: no retry within " + seconds(window) +
                       " of the first attempt, starting again";
        r.verdict = Result::defer;
        r.retry_after = delay;
        e.first_seen = now;
        e.last_seen = now;
        e.passed = false;
    }
    e.keep_until = e.passed ? e.last_seen + remember : e.first_seen + window;
    ++e.version;
    dirty_.insert(key);
    wake_.notify_one();
    return r;
}

Greylist::Result Greylist::check(const Poco::Net::IPAddress& client, std::string_view sender,
                                 std::string_view recipient, const GreylistSettings& settings) {
    if (!settings.enabled) {
        Result r;
        r.reason = "greylisting is off";
        return r;
    }
    const std::string network = greylistNetwork(client);
    std::string from = util::lowerAscii(sender);
    if (from == "<>") from.clear();
    const std::string to = util::lowerAscii(recipient);
    const std::string key = tripletKey(network, from, to);
    const long long now = clock_();

    std::uint64_t commits_before = 0;
    {
        std::lock_guard lock(mutex_);
        if (isWhitelisted(network, settings)) return whitelisted(network, now, settings);
        auto it = triplets_.find(key);
        if (it != triplets_.end()) {
            const Entry& e = it->second;
            bool passes = e.passed ? now - e.last_seen <= settings.remember.count()
                                   : now >= e.first_seen + settings.delay.count() &&
                                         now <= e.first_seen + settings.window.count();
            // A pass, or memory newer than the store: nothing to learn there.
            if (passes || e.version != e.stored_version) return decide(key, network, now, settings);
        }
        commits_before = commits_;
    }

    // A miss or a deferral: another gateway sharing the store may know better.
    StoreView view = readStore(network, from, to);

    std::lock_guard lock(mutex_);
    if (view.ok) {
        if (view.client_passes > 0) {
            Client& c = clients_[network];
            c.passes = std::max(c.passes, view.client_passes);
            c.keep_until = std::max(c.keep_until, now + settings.remember.count());
        }
        auto it = triplets_.find(key);
        bool clean = it == triplets_.end() || (it->second.version == it->second.stored_version &&
                                               commits_ == commits_before);
        if (clean && view.triplet) {
            Entry& e = triplets_[key];
            e.first_seen = view.triplet->first_seen;
            e.last_seen = view.triplet->last_seen;
            e.passed = view.triplet->passed;
        } else if (clean && it != triplets_.end()) {
            triplets_.erase(it);  // purged from the store (moatctl, another gateway's expiry)
        }
    }
    if (isWhitelisted(network, settings)) return whitelisted(network, now, settings);
    return decide(key, network, now, settings);
}

Greylist::StoreView Greylist::readStore(const std::string& network, std::string_view sender,
                                        std::string_view recipient) {
    StoreView view;
    try {
        auto session = takeSession();
        const std::string from(sender), to(recipient);
        auto triplet = store::findGreylistTriplet(*session, network, from, to);
        view.client_passes = store::greylistClientPasses(*session, network);
        returnSession(std::move(session));
        if (triplet) view.triplet = StoredTriplet{triplet->first_seen, triplet->last_seen, triplet->passed};
        view.ok = true;
    } catch (const std::exception& e) {
        warnRateLimited("greylist: store read failed, deciding from memory: " + describe(e));
    }
    return view;
}

std::unique_ptr<Poco::Data::Session> Greylist::takeSession() {
    {
        std::lock_guard lock(sessions_mutex_);
        if (!idle_sessions_.empty()) {
            auto s = std::move(idle_sessions_.back());
            idle_sessions_.pop_back();
            return s;
        }
    }
    auto s = std::make_unique<Poco::Data::Session>(store_.connect());
    store::setBusyTimeout(*s, kReadBusyTimeoutMs);
    return s;
}

void Greylist::returnSession(std::unique_ptr<Poco::Data::Session> session) {
    std::lock_guard lock(sessions_mutex_);
    if (idle_sessions_.size() < kIdleSessions) idle_sessions_.push_back(std::move(session));
}

void Greylist::flush() {
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    std::uint64_t target = ++flush_wanted_;
    wake_.notify_all();
    flushed_.wait(lock, [&] { return flush_done_ >= target || stopping_; });
}

std::size_t Greylist::expire(const GreylistSettings& settings) {
    flush();
    const long long at = clock_();
    const long long pass_cut = at - settings.remember.count();
    const long long new_cut = at - settings.window.count();
    std::size_t removed = 0;
    try {
        auto session = store_.connect();
        removed = store::expireGreylist(session, pass_cut, new_cut);
    } catch (const std::exception& e) {
        log::warning("greylist: expiry in the store failed: " + describe(e));
    }

    std::lock_guard lock(mutex_);
    for (auto it = triplets_.begin(); it != triplets_.end();) {
        const Entry& e = it->second;
        bool stale = e.passed ? e.last_seen < pass_cut : e.first_seen < new_cut;
        if (stale && e.version == e.stored_version)
            it = triplets_.erase(it);
        else
            ++it;
    }
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (it->second.last_seen < pass_cut && !client_deltas_.count(it->first))
            it = clients_.erase(it);
        else
            ++it;
    }
    return removed;
}

bool Greylist::writeBatch(std::unique_ptr<Poco::Data::Session>& session) {
    struct Row {
        std::string key;
        std::uint64_t version;
        Entry entry;
    };
    std::vector<Row> rows;
    std::unordered_map<std::string, ClientDelta> deltas;
    {
        std::lock_guard lock(mutex_);
        rows.reserve(dirty_.size());
        for (const auto& key : dirty_) {
            auto it = triplets_.find(key);
            if (it != triplets_.end()) rows.push_back({key, it->second.version, it->second});
        }
        dirty_.clear();
        deltas.swap(client_deltas_);
    }
    if (rows.empty() && deltas.empty()) return true;

    try {
        if (!session) session = std::make_unique<Poco::Data::Session>(store_.connect());
        std::vector<store::GreylistTriplet> triplets;
        triplets.reserve(rows.size());
        for (const auto& row : rows) {
            store::GreylistTriplet t;
            splitKey(row.key, t.client_net, t.sender, t.recipient);
            t.first_seen = row.entry.first_seen;
            t.last_seen = row.entry.last_seen;
            t.passed = row.entry.passed;
            triplets.push_back(std::move(t));
        }
        std::vector<store::GreylistClient> clients;
        clients.reserve(deltas.size());
        for (const auto& [network, delta] : deltas) clients.push_back({network, delta.passes, delta.last_seen});
        store::writeGreylist(*session, triplets, clients);
    } catch (const std::exception& e) {
        log::warning("greylist: store write failed, will retry: " + describe(e));
        session.reset();
        std::lock_guard lock(mutex_);
        for (const auto& row : rows) dirty_.insert(row.key);
        for (const auto& [network, delta] : deltas) {
            ClientDelta& d = client_deltas_[network];
            d.passes += delta.passes;
            d.last_seen = std::max(d.last_seen, delta.last_seen);
        }
        return false;
    }

    std::lock_guard lock(mutex_);
    for (const auto& row : rows) {
        auto it = triplets_.find(row.key);
        if (it != triplets_.end())
            it->second.stored_version = std::max(it->second.stored_version, row.version);
    }
    ++commits_;
    return true;
}

void Greylist::maintain(long long now) {
    std::lock_guard lock(mutex_);
    auto dirty = [](const Entry& e) { return e.version != e.stored_version; };
    for (auto it = triplets_.begin(); it != triplets_.end();) {
        if (it->second.keep_until < now && !dirty(it->second))
            it = triplets_.erase(it);
        else
            ++it;
    }
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (it->second.keep_until < now && !client_deltas_.count(it->first))
            it = clients_.erase(it);
        else
            ++it;
    }
    // Over the limit: the map is a cache of the store, so clean entries can go
    // (a later check reads them back); unconfirmed ones first, they are the
    // cheapest to lose. Unwritten ones go only when the store keeps failing.
    const std::size_t target = max_entries_ - max_entries_ / 10;
    if (triplets_.size() > max_entries_) {
        for (int pass = 0; pass < 3 && triplets_.size() > target; ++pass) {
            for (auto it = triplets_.begin(); it != triplets_.end() && triplets_.size() > target;) {
                bool go = pass == 2 || (!dirty(it->second) && (pass == 1 || !it->second.passed));
                if (go && pass == 2 && !dropped_unwritten_) {
                    dropped_unwritten_ = true;
                    log::warning(
                        "greylist: store unavailable and memory full; dropping unwritten "
                        "triplets");
                }
                it = go ? triplets_.erase(it) : std::next(it);
            }
        }
    }
    if (clients_.size() > max_entries_) {
        for (auto it = clients_.begin(); it != clients_.end() && clients_.size() > target;)
            it = client_deltas_.count(it->first) ? std::next(it) : clients_.erase(it);
    }
}

void Greylist::run() {
    std::unique_ptr<Poco::Data::Session> session;
    auto last_maintenance = std::chrono::steady_clock::now();
    bool failed = false;
    for (;;) {
        std::uint64_t target = 0;
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            auto urgent = [this] { return stopping_ || flush_wanted_ > flush_done_; };
            wake_.wait(lock, [&] {
                return urgent() || !dirty_.empty() || !client_deltas_.empty() ||
                       triplets_.size() > max_entries_;
            });
            // Gather a batch; after a failure, give the store a moment.
            wake_.wait_for(lock, failed ? kRetryInterval : kBatchInterval, urgent);
            target = flush_wanted_;
            stopping = stopping_;
        }
        failed = !writeBatch(session);

        auto t = std::chrono::steady_clock::now();
        bool full;
        {
            std::lock_guard lock(mutex_);
            full = triplets_.size() > max_entries_ || clients_.size() > max_entries_;
        }
        if (full || t - last_maintenance >= kMaintenanceInterval) {
            maintain(clock_());
            last_maintenance = t;
        }
        {
            std::lock_guard lock(mutex_);
            flush_done_ = std::max(flush_done_, target);
        }
        flushed_.notify_all();
        if (stopping) return;
    }
}

}  // namespace moat::policy
