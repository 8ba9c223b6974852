#include "queue/delivery_manager.h"

#include "store/queue_records.h"

#include "dns/resolver.h"
#include "queue/committer.h"
#include "queue/dsn.h"
#include "queue/spool.h"
#include "util/log.h"

#include <Poco/Data/Statement.h>
#include <Poco/Net/IPAddress.h>

#include <algorithm>
#include <limits>
#include <filesystem>

using namespace Poco::Data::Keywords;

namespace moat::queue {

using mail::Reply;

namespace {
constexpr std::size_t kMaxInFlight = 5000;
constexpr auto kIdleConnection = std::chrono::seconds(10);
constexpr int kMaxTransactionsPerConnection = 1000;

std::string domainOf(const std::string& address) {
    auto at = address.rfind('@');
    return at == std::string::npos ? std::string() : address.substr(at + 1);
}
}  // namespace

DeliveryManager::DeliveryManager(const config::Config& config, const store::Store& store, Spool& spool,
                                 Committer& committer, BackendLookup backend_of, dns::Resolver* resolver,
                                 Poco::Net::Context::Ptr client_tls)
    : config_(config),
      store_(store),
      spool_(spool),
      committer_(committer),
      backend_of_(std::move(backend_of)),
      resolver_(resolver) {
    client_options_.helo_name = config.smtp.hostname;
    client_options_.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.queue.connect_timeout);
    client_options_.command_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.queue.command_timeout);
    if (config.queue.tls) client_options_.tls = client_tls;
    committer_.onWritten([this](const std::string& id) {
        std::lock_guard lock(mutex_);
        held_.erase(id);
    });
}

DeliveryManager::~DeliveryManager() { stop(); }

void DeliveryManager::start() {
    for (int i = 0; i < config_.queue.workers; ++i) threads_.emplace_back([this] { worker(); });
    threads_.emplace_back([this] { poller(); });
}

void DeliveryManager::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    committer_.onWritten(nullptr);
    committer_.sync();  // a callback copied before the line above has returned once this does
    std::lock_guard lock(cache_mutex_);
    for (auto& [key, entry] : cache_) entry.first->quit();
    cache_.clear();
}

void DeliveryManager::reserve(const std::string& id) {
    std::lock_guard lock(mutex_);
    in_flight_.insert(id);
}

void DeliveryManager::release(const std::string& id) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(id);
}

std::size_t DeliveryManager::inFlight() const {
    std::lock_guard lock(mutex_);
    return in_flight_.size();
}

void DeliveryManager::submit(const mail::Envelope& envelope) {
    auto message = std::make_shared<Message>();
    message->envelope = envelope;
    schedule(std::move(message));
}

DeliveryManager::Route DeliveryManager::route(const std::string& recipient) const {
    Route r;
    r.domain = domainOf(recipient);
    if (!r.domain.empty() && r.domain.front() == '[') {
        std::string ip = r.domain.substr(1, r.domain.size() - 2);
        if (ip.rfind("IPv6:", 0) == 0 || ip.rfind("ipv6:", 0) == 0) ip = ip.substr(5);
        r.host = ip;
        r.port = config_.queue.mx_port;
        r.key = "literal:" + ip;
        return r;
    }
    if (auto backend = backend_of_(r.domain)) {
        r.host = backend->host;
        r.port = backend->port;
        r.key = "backend:" + r.host + ":" + std::to_string(r.port);
        return r;
    }
    r.mx = true;
    r.port = config_.queue.mx_port;
    r.key = "mx:" + r.domain;
    return r;
}

void DeliveryManager::schedule(std::shared_ptr<Message> message) {
    std::map<std::string, Job> jobs;
    {
        std::lock_guard lock(message->mutex);
        for (const auto& rcpt : message->envelope.recipients) {
            Route r = route(rcpt);
            auto& job = jobs[r.key];
            job.route = r;
            job.recipients.push_back(rcpt);
            message->outcomes[rcpt] = Outcome{};
        }
        message->outstanding = static_cast<int>(jobs.size());
    }
    if (jobs.empty()) {
        finishMessage(*message);
        return;
    }
    {
        std::lock_guard lock(mutex_);
        in_flight_.insert(message->envelope.id);
        for (auto& [key, job] : jobs) {
            job.message = message;
            jobs_.push_back(std::move(job));
        }
    }
    cv_.notify_all();
}

void DeliveryManager::worker() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            deliver(job);
        } catch (const std::exception& e) {
            // Keep the mail: every recipient of this job is retried later.
            log::error("queue: " + job.message->envelope.id + ": delivery failed unexpectedly: " + e.what());
            std::vector<Outcome> outcomes(job.recipients.size());
            for (auto& o : outcomes) o.reply = localFailure(451, "4.3.0", "internal error during delivery");
            finishJob(job, outcomes);
        }
    }
}

std::vector<DeliveryManager::Target> DeliveryManager::targets(const Route& route, Reply& failure) {
    std::vector<Target> out;
    auto addAddresses = [&](const std::string& host, std::uint16_t port) -> dns::Status {
        Poco::Net::IPAddress ip;
        if (Poco::Net::IPAddress::tryParse(host, ip)) {
            out.push_back({Poco::Net::SocketAddress(ip, port), host});
            return dns::Status::ok;
        }
        if (!resolver_) {
            try {
                out.push_back({Poco::Net::SocketAddress(host, port), host});
                return dns::Status::ok;
            } catch (const Poco::Exception&) {
                return dns::Status::servfail;
            }
        }
        auto res = resolver_->addresses(host);
        for (const auto& a : res.addresses) out.push_back({Poco::Net::SocketAddress(a, port), host});
        return res.status;
    };

    if (!route.mx) {
        auto status = addAddresses(route.host, route.port);
        if (out.empty())
            failure = localFailure(451, "4.4.3",
                                   "cannot resolve next hop " + route.host + ": " + dns::toString(status));
        return out;
    }
    if (!resolver_) {
        failure = localFailure(451, "4.4.3", "no DNS resolver for MX lookup of " + route.domain);
        return out;
    }
    auto mx = resolver_->mx(route.domain);
    if (mx.status == dns::Status::ok) {
        if (mx.records.size() == 1 && mx.records.front().host.empty()) {
            failure = localFailure(556, "5.1.10", "domain " + route.domain + " does not accept mail (null MX)");
            return out;
        }
        dns::Status last = dns::Status::ok;
        for (const auto& rec : mx.records) last = addAddresses(rec.host, route.port);
        if (out.empty()) failure = localFailure(451, "4.4.3", "cannot resolve the MX hosts of " + route.domain +
                                                                  ": " + dns::toString(last));
        return out;
    }
    if (mx.status == dns::Status::nxdomain) {
        failure = localFailure(550, "5.1.2", "domain " + route.domain + " does not exist");
        return out;
    }
    if (mx.status == dns::Status::nodata) {  // RFC 5321 §5.1: implicit MX
        auto status = addAddresses(route.domain, route.port);
        if (out.empty()) {
            if (status == dns::Status::nxdomain || status == dns::Status::nodata)
                failure = localFailure(550, "5.1.2", "domain " + route.domain + " has no MX or address records");
            else
                failure = localFailure(451, "4.4.3", "DNS lookup for " + route.domain + " failed: " +
                                                         dns::toString(status));
        }
        return out;
    }
    failure = localFailure(451, "4.4.3", "MX lookup for " + route.domain + " failed: " + dns::toString(mx.status));
    return out;
}

std::unique_ptr<SmtpClient> DeliveryManager::takeCached(const std::string& key) {
    std::lock_guard lock(cache_mutex_);
    auto now = std::chrono::steady_clock::now();
    auto range = cache_.equal_range(key);
    for (auto it = range.first; it != range.second;) {
        if (now - it->second.second < kIdleConnection) {
            auto client = std::move(it->second.first);
            cache_.erase(it);
            return client;
        }
        it = cache_.erase(it);  // too old: the server may have dropped it
    }
    return nullptr;
}

void DeliveryManager::expireCached() {
    std::vector<std::unique_ptr<SmtpClient>> stale;
    {
        std::lock_guard lock(cache_mutex_);
        auto now = std::chrono::steady_clock::now();
        for (auto it = cache_.begin(); it != cache_.end();) {
            if (now - it->second.second >= kIdleConnection) {
                stale.push_back(std::move(it->second.first));
                it = cache_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& client : stale) client->quit();  // outside the lock: QUIT waits for the server
}

void DeliveryManager::putCached(const std::string& key, std::unique_ptr<SmtpClient> client) {
    if (client->transactions() >= kMaxTransactionsPerConnection) {
        client->quit();
        return;
    }
    std::lock_guard lock(cache_mutex_);
    cache_.emplace(key, std::make_pair(std::move(client), std::chrono::steady_clock::now()));
}

void DeliveryManager::deliver(Job& job) {
    const mail::Envelope& env = job.message->envelope;
    std::string path = spool_.path(env.id);
    std::vector<Outcome> outcomes(job.recipients.size());
    if (!std::filesystem::exists(path)) {
        log::warning("queue: " + env.id + ": spool file is gone (deleted by an administrator?); dropping");
        for (auto& o : outcomes) {
            o.status = 1;
            o.reply = localFailure(250, "2.0.0", "removed from the queue");
        }
        finishJob(job, outcomes);
        return;
    }

    Reply failure = localFailure(451, "4.4.1", "no next hop reachable");
    bool done = false;
    // Try a cached connection to any known address first, then the targets in order.
    auto attempt = [&](std::unique_ptr<SmtpClient> client, const std::string& cache_key, bool reused) -> bool {
        auto result = client->send(env.sender, job.recipients, path, env.size, env.flags & mail::kBody8Bit,
                                   env.flags & mail::kSmtpUtf8);
        if (reused && result.mail.code == 451 && result.mail.enhanced == "4.4.2") return false;  // stale
        std::string remote = client->address().toString();
        bool all_temporary = true;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            const Reply& r = result.recipients[i];
            outcomes[i].reply = r;
            outcomes[i].remote = remote;
            outcomes[i].status = r.positive() ? 1 : r.permanent() ? 2 : 0;
            all_temporary &= outcomes[i].status == 0;
        }
        if (result.connection_usable) putCached(cache_key, std::move(client));
        // A host that tempfails everything (e.g. MAIL refused with 4xx): try the next MX.
        if (all_temporary && job.route.mx) {
            failure = result.recipients.empty() ? failure : result.recipients.front();
            return false;
        }
        return true;
    };

    if (auto cached = takeCached(job.route.key)) done = attempt(std::move(cached), job.route.key, true);
    if (!done) {
        auto hops = targets(job.route, failure);
        for (const auto& hop : hops) {
            Reply connect_failure;
            auto client = SmtpClient::connect(hop.address, hop.name, client_options_, connect_failure);
            if (!client && connect_failure.enhanced == "4.7.5") {
                // Opportunistic TLS (RFC 7435): a failed handshake falls back to plain text.
                log::warning("queue: " + env.id + ": " + connect_failure.text + "; retrying without TLS");
                ClientOptions plain = client_options_;
                plain.tls = nullptr;
                client = SmtpClient::connect(hop.address, hop.name, plain, connect_failure);
            }
            if (!client) {
                failure = connect_failure;
                log::debug("queue: " + env.id + ": " + connect_failure.text);
                continue;
            }
            if (attempt(std::move(client), job.route.key, false)) {
                done = true;
                break;
            }
        }
    }
    if (!done) {
        for (auto& o : outcomes) {
            o.reply = failure;
            o.status = failure.permanent() ? 2 : 0;
        }
    }
    finishJob(job, outcomes);
}

void DeliveryManager::finishJob(Job& job, const std::vector<Outcome>& outcomes) {
    auto& message = *job.message;
    bool last;
    {
        std::lock_guard lock(message.mutex);
        for (std::size_t i = 0; i < job.recipients.size(); ++i) {
            message.outcomes[job.recipients[i]] = outcomes[i];
            const auto& o = outcomes[i];
            log::info("queue: " + message.envelope.id + ": to=<" + log::printable(job.recipients[i]) + "> relay=" +
                      (o.remote.empty() ? job.route.key : o.remote) + " status=" +
                      (o.status == 1 ? "sent" : o.status == 2 ? "bounced" : "deferred") + " (" +
                      std::to_string(o.reply.code) + " " + o.reply.enhanced + " " + log::printable(o.reply.text) +
                      ")");
        }
        last = --message.outstanding == 0;
    }
    if (last) finishMessage(message);
}

void DeliveryManager::finishMessage(Message& message) {
    mail::Envelope& env = message.envelope;
    long long now = store::nowSeconds();
    bool expired = now - env.created >= config_.queue.max_lifetime.count();
    // "192.0.2.1:25" or "[2001:db8::1]:25" as the delivery log shows it → the host alone, for Remote-MTA.
    auto hostOf = [](const std::string& remote) {
        if (remote.empty()) return remote;
        if (remote.front() == '[') return remote.substr(1, remote.find(']') - 1);
        return remote.substr(0, remote.rfind(':'));
    };
    std::vector<FailedRecipient> failed;
    std::vector<RecipientUpdate> updates;
    bool pending = false;
    for (auto& [rcpt, o] : message.outcomes) {
        FailedRecipient failure{rcpt, o.reply, hostOf(o.remote), {}, {}};
        if (o.status == 0 && expired) {
            // Our decision, not the remote's: the last reply is quoted as it was given.
            o.status = 2;
            failure.status = "4.4.7";
            failure.note = "delivery time expired after " + std::to_string(config_.queue.max_lifetime.count() / 3600) +
                           " hours";
        }
        if (o.status == 2) failed.push_back(failure);
        if (o.status == 0) pending = true;
        updates.push_back({rcpt, o.status, std::to_string(o.reply.code) + " " + o.reply.enhanced + " " + o.reply.text});
    }

    if (!failed.empty()) {
        if (env.sender.empty() || (env.flags & mail::kBounce)) {
            log::info("queue: " + env.id + ": undeliverable message from <" + log::printable(env.sender) +
                      "> discarded (no DSN to the null sender)");
        } else {
            mail::Envelope dsn;
            dsn.id = spool_.newId();
            dsn.sender = "";
            dsn.recipients = {env.sender};
            dsn.created = now;
            dsn.flags = mail::kBounce;
            std::string body = buildDsn(config_.smtp.hostname, env, failed, readHeaders(spool_.path(env.id)), now);
            Spool::Writer writer(spool_, dsn.id);
            bool ok = writer.write(body) && writer.commit();
            dsn.size = writer.size();
            if (ok) {
                reserve(dsn.id);
                ok = committer_.enqueue(dsn);
                if (!ok) {
                    release(dsn.id);
                    spool_.remove(dsn.id);
                }
            }
            if (!ok) {
                // Keep the original with its failures pending; the DSN is tried again later.
                log::error("queue: " + env.id + ": cannot queue the DSN; will retry");
                for (auto& u : updates)
                    if (u.status == 2) u.status = 0;
                pending = true;
            } else {
                log::info("queue: " + env.id + ": sender non-delivery notification: " + dsn.id);
                submit(dsn);
            }
        }
    }

    long long hold_until = std::numeric_limits<long long>::max();
    if (pending) {
        int attempts = env.attempts + 1;
        auto delay = config_.queue.retry_initial.count();
        for (int i = 1; i < attempts && delay < config_.queue.retry_max.count(); ++i) delay *= 2;
        delay = std::min<long long>(delay, config_.queue.retry_max.count());
        committer_.defer(env.id, now + delay, attempts, std::move(updates));
        hold_until = now + delay;
        log::info("queue: " + env.id + ": deferred, next attempt in " + std::to_string(delay) + " s");
    } else {
        committer_.complete(env.id);
    }
    // Only after the decision is handed to the committer may the poller see it
    // again; if the store could not take it, the message is held here so that
    // its old queue row neither delivers it twice nor retries it every second.
    if (!committer_.sync()) {
        std::lock_guard lock(mutex_);
        held_[env.id] = hold_until;
        log::warning("queue: " + env.id + ": the store cannot record the " +
                     std::string(pending ? "deferral" : "delivery") +
                     " (disk full?); held, not sent again, until it can");
    }
    release(env.id);
}

void DeliveryManager::poller() {
    std::unique_ptr<Poco::Data::Session> session;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
        }
        expireCached();
        try {
            if (!session) session = std::make_unique<Poco::Data::Session>(store_.connect());
            pollOnce(*session);
        } catch (const Poco::Exception& e) {
            log::warning("queue: poll failed: " + e.displayText());
            session.reset();
        }
    }
}

void DeliveryManager::pollOnce(Poco::Data::Session& session) {
    if (inFlight() >= kMaxInFlight) return;
    const long long now = store::nowSeconds();
    for (const auto& id : store::dueQueueIds(session, now, 1000)) {
        {
            std::lock_guard lock(mutex_);
            if (in_flight_.count(id) || in_flight_.size() >= kMaxInFlight) continue;
            if (auto held = held_.find(id); held != held_.end()) {
                if (now < held->second) continue;
                held_.erase(held);  // a deferral's time has come, written or not
            }
        }
        auto queued = store::loadQueued(session, id);
        if (!queued) continue;  // delivered and removed since the ids were read
        auto message = std::make_shared<Message>();
        mail::Envelope& env = message->envelope;
        env = std::move(*queued);
        if (env.recipients.empty()) {  // finished before a crash, not yet removed
            committer_.complete(id);
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            if (in_flight_.count(id)) continue;
            in_flight_.insert(id);
        }
        schedule(std::move(message));
    }
}

}  // namespace moat::queue
