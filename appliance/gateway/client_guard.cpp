#include "gateway/client_guard.h"

#include "gateway/client_evidence.h"
#include "policy/client_counters.h"
#include "policy/policy_cache.h"
#include "queue/committer.h"
#include "store/store.h"
#include "util/log.h"

#include <algorithm>
#include <thread>

namespace moat::gateway {
namespace {

policy::RateLimits rateLimits(const policy::Settings& settings) {
    policy::RateLimits l;
    l.window = settings.integer("ratelimit.window");
    l.unknown_slow = settings.integer("ratelimit.unknown_slow");
    l.unknown_max = settings.integer("ratelimit.unknown_max");
    l.rejects_slow = settings.integer("ratelimit.rejects_slow");
    l.rejects_max = settings.integer("ratelimit.rejects_max");
    return l;
}

}  // namespace

ClientGuard::ClientGuard(policy::ClientCounters& counters, policy::PolicyCache& policy, const std::string& hostname,
                         const std::string& client_ip, ClientEvidence& evidence)
    : counters_(counters), policy_(policy), hostname_(hostname), client_ip_(client_ip), evidence_(evidence) {}

smtp::ShutOut ClientGuard::shutOutReply(const std::string& reason) const {
    return {reason, mail::reply(421, "4.7.0",
                                hostname_ + " Error: " + reason + " from [" + client_ip_ + "]; try again later")};
}

smtp::Admission ClientGuard::admit() {
    auto snapshot = policy_.current();
    smtp::Admission admission;
    auto status = counters_.status(client_ip_, rateLimits(snapshot->settings));
    if (status.blocked) {
        shut_out_ = status.blocked;
        admission.refusal = shutOutReply(*shut_out_);
        return admission;
    }
    admission.greet_pause = std::chrono::milliseconds(1000 * snapshot->settings.integer("bot.greet_pause"));
    return admission;
}

void ClientGuard::behaviour(std::string_view what) {
    if (bot_noted_) return;
    bot_noted_ = true;
    std::string text(what);
    log::info("smtpd: [" + client_ip_ + "] bot behaviour: client " + text);
    evidence_.add(policy::Finding::hit(
        "bot", "client [" + client_ip_ + "] " + text,
        mail::reply(550, "5.7.1", "Service unavailable; client [" + client_ip_ + "] " + text + " (bot behaviour)")));
}

void ClientGuard::replying(std::string_view verb, const mail::Reply& r) {
    if (r.code == 421) return;  // the last reply of a session is never held back
    auto snapshot = policy_.current();
    const auto& settings = snapshot->settings;
    auto limits = rateLimits(settings);
    bool refusal = r.code >= 500 && (verb == "MAIL" || verb == "RCPT" || verb == "DATA");
    auto status = refusal ? counters_.recordRejection(client_ip_, verb == "RCPT" && r.enhanced == "5.1.1", limits)
                          : counters_.status(client_ip_, limits);
    if (status.blocked) shut_out_ = status.blocked;
    if (status.slow) std::this_thread::sleep_for(settings.seconds("ratelimit.delay"));
}

std::optional<smtp::ShutOut> ClientGuard::shutOut() const {
    if (!shut_out_) return std::nullopt;
    return shutOutReply(*shut_out_);
}

void ClientGuard::transactionCategory(const std::string& category) {
    if (category == mail::name(mail::Outcome::accepted))
        ++wanted_;
    else if (category == mail::name(mail::Outcome::rejected) || category == mail::name(mail::Outcome::virus) ||
             category == mail::name(mail::Outcome::tagged))
        ++unwanted_;
}

void ClientGuard::closed(queue::Committer& committer, const std::string& client_name) {
    store::ConnectionRecord rec;
    rec.ts = store::nowSeconds();
    rec.ip = client_ip_;
    rec.name = client_name == "unknown" ? "" : client_name;
    if (wanted_ > 0)
        rec.kind = store::ConnectionRecord::Kind::wanted;
    else if (unwanted_ > 0 || shut_out_ || bot_noted_)
        rec.kind = store::ConnectionRecord::Kind::unwanted;
    committer.connection(std::move(rec));
}

}  // namespace moat::gateway
