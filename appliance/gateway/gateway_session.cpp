#include "gateway/gateway_session.h"

#include "gateway/rcpt_stages.h"
#include "gateway/received_header.h"
#include "net/cidr.h"
#include "policy/policy_cache.h"
#include "queue/committer.h"
#include "queue/spool.h"
#include "store/store.h"
#include "util/log.h"

namespace moat::gateway {

smtp::Admission GatewaySession::admit(const smtp::Dialogue& dialogue) {
    dialogue_ = &dialogue;
    const auto& cfg = services_.config.smtp;
    policy::Gateway gateway{cfg.hostname, {dialogue.local_ip}};
    if (auto listen = net::parseIp(cfg.listen.host); listen && !listen->isWildcard())
        gateway.addresses.push_back(net::canonicalIp(*listen));
    evidence_ = std::make_unique<ClientEvidence>(services_.resolver, dialogue.client_ip, dialogue.peer,
                                                 *services_.policy_cache.current(), std::move(gateway),
                                                 services_.list_hits);
    guard_ = std::make_unique<ClientGuard>(services_.client_counters, services_.policy_cache, cfg.hostname,
                                           dialogue.client_ip, *evidence_);
    return guard_->admit();
}

void GatewaySession::behaviour(std::string_view what) { guard_->behaviour(what); }

void GatewaySession::replying(std::string_view verb, const mail::Reply& reply) { guard_->replying(verb, reply); }

std::optional<smtp::ShutOut> GatewaySession::shutOut() const { return guard_->shutOut(); }

void GatewaySession::helo(std::string_view name) { evidence_->helo(name); }

std::optional<mail::Reply> GatewaySession::mail(const smtp::Transaction& tx) {
    relay_client_ = services_.policy_cache.current()->relayAuthorised(dialogue_->peer, store::nowSeconds());
    evidence_->sender(tx.sender);
    record_ = TransactionRecord{};
    return std::nullopt;
}

smtp::RcptAnswer GatewaySession::rcpt(const smtp::Transaction& tx, const mail::Address& recipient) {
    auto snapshot = services_.policy_cache.current();  // one snapshot for the whole command
    RcptServices stage_services{services_.config.smtp.hostname, services_.tokens, services_.list_hits,
                                services_.callout, services_.greylist};
    RcptContext ctx{.snapshot = *snapshot,
                    .services = stage_services,
                    .dialogue = *dialogue_,
                    .tx = tx,
                    .record = record_,
                    .evidence = *evidence_,
                    .relay_client = relay_client_,
                    .rcpt = recipient,
                    .shown = {},
                    .token = {}};
    return decideRecipient(ctx);
}

void GatewaySession::recipientRefused(const smtp::Transaction&, const mail::Address* recipient, const mail::Reply&) {
    if (recipient && record_.refused.size() < TransactionRecord::kRefusedKept)
        record_.refused.push_back(recipient->str());
}

bool GatewaySession::messageBegins(const smtp::Transaction& tx) {
    const auto& client_name = evidence_->clientName(true);
    std::string id = services_.spool.newId();
    message_ = std::make_unique<MessagePipeline>(services_, tx, record_, dialogue_->client_ip, relay_client_);
    return message_->begin(id, receivedHeader(*dialogue_, tx, client_name, services_.config.smtp.hostname, id));
}

bool GatewaySession::messageData(std::string_view chunk) { return message_->data(chunk); }

void GatewaySession::messageRefused(const smtp::Transaction& tx, const mail::Reply& reply,
                                    const smtp::ReceivedMessage& message) {
    auto result = message_->refusedByProtocol(reply, message);
    finish(tx, std::move(result.ending));
}

mail::Reply GatewaySession::messageReceived(const smtp::Transaction& tx, const smtp::ReceivedMessage& message) {
    auto result = message_->received(message);
    finish(tx, std::move(result.ending));
    return result.reply;
}

void GatewaySession::transactionEnded(const smtp::Transaction& tx, mail::Outcome outcome, const std::string& reason) {
    finish(tx, Ending{outcome, reason, "", 0});
}

void GatewaySession::finish(const smtp::Transaction& tx, Ending ending) {
    message_.reset();  // an unfinished spool file goes with it
    if (worthLogging(tx, ending)) {
        auto row = transactionLog(*dialogue_, evidence_->clientName(), tx, record_, std::move(ending));
        guard_->transactionCategory(row.category);
        log::info("smtpd: [" + dialogue_->client_ip + "] " + logLine(row));
        services_.committer.log(std::move(row));
    }
    record_ = TransactionRecord{};
}

void GatewaySession::closed() {
    if (!guard_) return;
    guard_->closed(services_.committer, evidence_->clientName());
}

}  // namespace moat::gateway
