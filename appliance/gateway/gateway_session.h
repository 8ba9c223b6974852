// The gateway's side of one SMTP session: implements smtp::SessionHandler by
// putting the gateway's parts together — ClientGuard (rate limits, bot
// behaviour), ClientEvidence (DNS checks and the SMTP-time verdict), the RCPT
// stage table (rcpt_stages.h), the MessagePipeline after DATA, and the
// TransactionRecord written to the message log when a transaction ends.
#pragma once

#include "gateway/client_evidence.h"
#include "gateway/client_guard.h"
#include "gateway/gateway_services.h"
#include "gateway/message_pipeline.h"
#include "gateway/transaction_record.h"
#include "smtp/session_handler.h"

#include <memory>
#include <optional>

namespace moat::gateway {

class GatewaySession final : public smtp::SessionHandler {
  public:
    explicit GatewaySession(GatewayServices& services) : services_(services) {}

    smtp::Admission admit(const smtp::Dialogue& dialogue) override;
    void behaviour(std::string_view what) override;
    void replying(std::string_view verb, const mail::Reply& reply) override;
    std::optional<smtp::ShutOut> shutOut() const override;
    void helo(std::string_view name) override;
    std::optional<mail::Reply> mail(const smtp::Transaction& tx) override;
    smtp::RcptAnswer rcpt(const smtp::Transaction& tx, const mail::Address& recipient) override;
    void recipientRefused(const smtp::Transaction& tx, const mail::Address* recipient,
                          const mail::Reply& reply) override;
    bool messageBegins(const smtp::Transaction& tx) override;
    bool messageData(std::string_view chunk) override;
    void messageRefused(const smtp::Transaction& tx, const mail::Reply& reply,
                        const smtp::ReceivedMessage& message) override;
    mail::Reply messageReceived(const smtp::Transaction& tx, const smtp::ReceivedMessage& message) override;
    void transactionEnded(const smtp::Transaction& tx, mail::Outcome outcome, const std::string& reason) override;
    void closed() override;

  private:
    void finish(const smtp::Transaction& tx, Ending ending);

    GatewayServices& services_;
    const smtp::Dialogue* dialogue_ = nullptr;  // the session's, from admit() on
    std::unique_ptr<ClientEvidence> evidence_;
    std::unique_ptr<ClientGuard> guard_;
    bool relay_client_ = false;  // evaluated per transaction
    TransactionRecord record_;
    std::unique_ptr<MessagePipeline> message_;
};

}  // namespace moat::gateway
