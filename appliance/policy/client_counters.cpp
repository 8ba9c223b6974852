#include "policy/client_counters.h"

#include "store/client_events.h"

#include <algorithm>

#include "util/log.h"


namespace moat::policy {
namespace {

constexpr auto kBatchInterval = std::chrono::milliseconds(200);
constexpr auto kRetryInterval = std::chrono::seconds(2);
constexpr std::size_t kMaxPendingEvents = 10000;

long long bucketWidth(long long window) {
    return std::max<long long>(1, window / static_cast<long long>(ClientCounters::kBuckets));
}

}  // namespace

void ClientCounters::Window::add(long long now, long long width) {
    long long s = now - now % width;
    std::size_t oldest = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        if (start[i] == s && count[i] > 0) {
            ++count[i];
            return;
        }
        if (start[i] < start[oldest]) oldest = i;
    }
    start[oldest] = s;
    count[oldest] = 1;
}

long long ClientCounters::Window::sum(long long now, long long window) const {
    long long width = bucketWidth(window), total = 0;
    for (std::size_t i = 0; i < kBuckets; ++i)
        if (count[i] > 0 && start[i] + width > now - window) total += count[i];
    return total;
}

ClientCounters::ClientCounters(const store::Store* store, std::function<long long()> clock,
                               std::size_t max_clients)
    : store_(store),
      clock_(std::move(clock)),
      max_clients_(std::max<std::size_t>(max_clients, 16)) {
    if (store_) writer_ = std::thread([this] { run(); });
}

ClientCounters::~ClientCounters() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();
}

ClientStatus ClientCounters::statusLocked(Client& c, long long now,
                                          const RateLimits& limits) const {
    ClientStatus s;
    if (c.blocked_until > now) s.blocked = c.blocked_reason;
    s.slow = c.unknown.sum(now, limits.window) >= limits.unknown_slow ||
             c.rejects.sum(now, limits.window) >= limits.rejects_slow;
    return s;
}

ClientStatus ClientCounters::status(const std::string& ip, const RateLimits& limits) {
    long long now = clock_();
    std::lock_guard lock(mutex_);
    auto it = clients_.find(ip);
    if (it == clients_.end()) return {};
    return statusLocked(it->second, now, limits);
}

ClientStatus ClientCounters::recordRejection(const std::string& ip, bool unknown_recipient,
                                             const RateLimits& limits) {
    long long now = clock_();
    long long width = bucketWidth(limits.window);
    std::lock_guard lock(mutex_);
    if (!clients_.count(ip) && clients_.size() >= max_clients_) makeRoom(now, limits.window);
    Client& c = clients_[ip];
    c.last_seen = now;
    std::string in_window = " in " + std::to_string(limits.window) + " seconds";

    auto count = [&](Window& w, long long slow, long long max, const char* kind, const char* what,
                     const char* reason) {
        w.add(now, width);
        long long n = w.sum(now, limits.window);
        if (n >= max && c.blocked_until <= now) {
            c.blocked_until = now + limits.window;
            c.blocked_reason = reason;
            event(now, ip, std::string(kind) + "_limit",
                  std::to_string(n) + " " + what + in_window + "; refused with 421 for " +
                      std::to_string(limits.window) + " seconds");
        } else if (n >= slow && !w.slowed) {
            event(now, ip, std::string(kind) + "_slow",
                  std::to_string(n) + " " + what + in_window + "; replies slowed down");
        }
        w.slowed = n >= slow;
    };
    if (unknown_recipient)
        count(c.unknown, limits.unknown_slow, limits.unknown_max, "unknown_recipients",
              "unknown recipients", "too many unknown recipients");
    count(c.rejects, limits.rejects_slow, limits.rejects_max, "rejections", "rejected commands",
          "too many rejected commands");
    return statusLocked(c, now, limits);
}

void ClientCounters::event(long long now, const std::string& ip, std::string kind,
                           std::string detail) {
    log::warning("ratelimit: [" + ip + "] " + kind + ": " + detail);
    if (pending_.size() >= kMaxPendingEvents) return;  // the store is far behind; the log has it
    pending_.push_back({now, ip, std::move(kind), std::move(detail)});
    wake_.notify_one();
}

void ClientCounters::makeRoom(long long now, long long window) {
    for (auto it = clients_.begin(); it != clients_.end();) {
        bool stale = it->second.last_seen < now - window - bucketWidth(window) &&
                     it->second.blocked_until <= now;
        it = stale ? clients_.erase(it) : std::next(it);
    }
    // Still full: a flood from many addresses. Forget unblocked ones, then any.
    std::size_t target = max_clients_ - max_clients_ / 10;
    for (int pass = 0; pass < 2 && clients_.size() > target; ++pass)
        for (auto it = clients_.begin(); it != clients_.end() && clients_.size() > target;)
            it =
                (pass == 1 || it->second.blocked_until <= now) ? clients_.erase(it) : std::next(it);
}

std::vector<ClientEvent> ClientCounters::takeEvents() {
    std::lock_guard lock(mutex_);
    std::vector<ClientEvent> out;
    out.swap(pending_);
    return out;
}

void ClientCounters::flush() {
    if (!store_) return;
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    std::uint64_t target = ++flush_wanted_;
    wake_.notify_all();
    flushed_.wait(lock, [&] { return flush_done_ >= target || stopping_; });
}

bool ClientCounters::write(const std::vector<ClientEvent>& events) {
    try {
        auto session = store_->connect();
        std::vector<store::ClientEventRow> rows;
        rows.reserve(events.size());
        for (const auto& e : events) rows.push_back({0, e.ts, e.ip, e.kind, e.detail});
        store::appendClientEvents(session, rows);
        return true;
    } catch (const Poco::Exception& e) {
        log::warning("ratelimit: cannot write client events, will retry: " + e.displayText());
    } catch (const std::exception& e) {
        log::warning(std::string("ratelimit: cannot write client events, will retry: ") + e.what());
    }
    return false;
}

void ClientCounters::run() {
    bool failed = false;
    for (;;) {
        std::vector<ClientEvent> batch;
        std::uint64_t target = 0;
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            auto urgent = [this] { return stopping_ || flush_wanted_ > flush_done_; };
            wake_.wait(lock, [&] { return urgent() || !pending_.empty(); });
            wake_.wait_for(lock, failed ? kRetryInterval : kBatchInterval, urgent);
            batch.swap(pending_);
            target = flush_wanted_;
            stopping = stopping_;
        }
        failed = !batch.empty() && !write(batch);
        {
            std::lock_guard lock(mutex_);
            if (failed && !stopping) pending_.insert(pending_.begin(), batch.begin(), batch.end());
            flush_done_ = std::max(flush_done_, target);
        }
        flushed_.notify_all();
        if (stopping) return;
    }
}

}  // namespace moat::policy
