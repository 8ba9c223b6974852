#include "policy/callout.h"

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>

#include "queue/smtp_client.h"
#include "store/callout_cache.h"
#include "util/ascii_text.h"
#include "util/clock.h"
#include "util/log.h"

namespace moat::policy {
namespace {

constexpr long long kExpiryInterval = 3600;  // seconds between sweeps of expired store rows

std::string backendName(const store::Domain& d) {
    bool v6 = d.backend_host.find(':') != std::string::npos;
    return (v6 ? "[" + d.backend_host + "]" : d.backend_host) + ":" +
           std::to_string(d.backend_port);
}

// A reply as one printable line: "550 5.1.1 <a@b>: Recipient address rejected".
std::string oneLine(const mail::Reply& r) {
    std::string text = std::to_string(r.code);
    if (!r.enhanced.empty()) text += " " + r.enhanced;
    text += " " + r.text;
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return log::printable(text, 300);
}

bool ascii(const std::string& s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

}  // namespace

Callout::Callout(const store::Store& store, Options options)
    : store_(store), options_(std::move(options)) {}

Callout::Result Callout::verify(const std::string& address, const store::Domain& domain,
                                std::chrono::seconds positive_ttl,
                                std::chrono::seconds negative_ttl, long long generation) {
    const std::string key = util::lowerAscii(address);
    const std::string backend = backendName(domain);
    std::promise<Result> promise;
    std::shared_future<Result> asked_by_another;
    {
        std::lock_guard lock(mutex_);
        long long now = util::policyNow();
        auto it = memory_.find(key);
        if (it != memory_.end()) {
            if (it->second.expires > now && it->second.generation == generation)
                return {it->second.valid ? Verdict::valid : Verdict::invalid, it->second.reply,
                        true};
            memory_.erase(it);
        }
        auto down = down_.find(backend);
        if (down != down_.end()) {
            auto left = down->second - std::chrono::steady_clock::now();
            if (left > std::chrono::seconds(0))
                return {Verdict::unknown,
                        "the backend " + backend +
                            " could not be reached moments ago; not asked again for " +
                            std::to_string(std::chrono::ceil<std::chrono::seconds>(left).count()) +
                            " s",
                        true};
            down_.erase(down);
        }
        auto flight = in_flight_.find(key);
        if (flight != in_flight_.end())
            asked_by_another = flight->second;
        else
            in_flight_.emplace(key, promise.get_future().share());
    }
    if (asked_by_another.valid()) return asked_by_another.get();  // waits without the lock

    bool unreachable = false;
    long long expires = 0;
    Result result;
    // Nothing may escape into the session: a failure here leaves the answer unknown (a 4xx).
    try {
        result =
            lookupOrAsk(address, key, domain, positive_ttl, negative_ttl, unreachable, expires);
    } catch (const std::exception& e) {
        log::error("callout: verifying <" + log::printable(address) + "> failed: " + e.what());
        result = {Verdict::unknown, std::string("internal error: ") + e.what(), false};
    }
    {
        std::lock_guard lock(mutex_);
        in_flight_.erase(key);
        if (result.verdict != Verdict::unknown) {
            if (memory_.size() >= options_.max_memory_entries) {
                long long now = util::policyNow();
                std::erase_if(memory_, [now](const auto& e) { return e.second.expires <= now; });
                if (memory_.size() >= options_.max_memory_entries) memory_.clear();
            }
            memory_[key] = {result.verdict == Verdict::valid, result.reply, expires, generation};
        } else if (unreachable) {
            down_[backend] = std::chrono::steady_clock::now() + options_.failure_memory;
        }
    }
    promise.set_value(result);
    return result;
}

Callout::Result Callout::lookupOrAsk(const std::string& address, const std::string& key,
                                     const store::Domain& domain, std::chrono::seconds positive_ttl,
                                     std::chrono::seconds negative_ttl, bool& unreachable,
                                     long long& expires) {
    long long now = util::policyNow();
    try {
        auto session = store_.connect();
        if (auto e = store::findCalloutEntry(session, key); e && e->expires > now) {
            expires = e->expires;
            return {e->valid ? Verdict::valid : Verdict::invalid, e->reply, true};
        }
    } catch (const Poco::Exception& e) {
        log::warning("callout: cannot read the callout cache: " + e.displayText());
    }

    Result result = ask(address, domain, unreachable);
    log::info("callout: " + backendName(domain) + " <" + log::printable(address) + ">: " +
              (result.verdict == Verdict::valid     ? "valid"
               : result.verdict == Verdict::invalid ? "invalid"
                                                    : "unknown") +
              " (" + result.reply + ")");
    if (result.verdict == Verdict::unknown) return result;
    expires = now + (result.verdict == Verdict::valid ? positive_ttl : negative_ttl).count();
    try {
        auto session = store_.connect();
        store::saveCalloutEntry(
            session, {key, result.verdict == Verdict::valid, result.reply, now, expires});
        bool sweep = false;
        {
            std::lock_guard lock(mutex_);
            if (now - last_expiry_ >= kExpiryInterval) {
                last_expiry_ = now;
                sweep = true;
            }
        }
        if (sweep) store::expireCalloutEntries(session, now);
    } catch (const Poco::Exception& e) {
        log::warning("callout: cannot record the answer in the callout cache: " + e.displayText());
    }
    return result;
}

Callout::Result Callout::ask(const std::string& address, const store::Domain& domain,
                             bool& unreachable) {
    const std::string backend = backendName(domain);
    Poco::Net::SocketAddress where;
    try {
        where = Poco::Net::SocketAddress(domain.backend_host, domain.backend_port);
    } catch (const Poco::Exception& e) {
        unreachable = true;
        return {Verdict::unknown, "cannot resolve the backend " + backend + ": " + e.displayText(),
                false};
    }
    queue::ClientOptions options;
    options.helo_name = options_.helo_name;
    options.connect_timeout = options_.connect_timeout;
    options.command_timeout = options_.command_timeout;
    mail::Reply failure;
    auto client = queue::SmtpClient::connect(where, domain.backend_host, options, failure);
    if (!client) {
        unreachable = true;
        return {Verdict::unknown, oneLine(failure), false};
    }
    auto probe = client->probe("", address, !ascii(address));
    client->quit();
    if (!probe.connection_usable) {
        unreachable = true;
        return {Verdict::unknown, oneLine(probe.recipients[0]), false};
    }
    if (!probe.mail.positive())
        return {Verdict::unknown, "the backend refused MAIL FROM:<>: " + oneLine(probe.mail),
                false};
    const mail::Reply& r = probe.recipients[0];
    if (r.positive()) return {Verdict::valid, oneLine(r), false};
    if (r.permanent()) return {Verdict::invalid, oneLine(r), false};
    return {Verdict::unknown, oneLine(r), false};
}

}  // namespace moat::policy
