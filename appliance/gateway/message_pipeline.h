// What happens to a message the protocol has received, in order: it is
// spooled as it arrives (our Received: field first), then — once complete —
// scanned for viruses and blocked attachments (moat-scand), refused when the
// SMTP-time score said so after DATA, learnt when it was sent to spam@/ham@,
// scored for content (tag or refuse; only the header section is rewritten),
// committed to the queue, archived, and handed to delivery. Each step reads
// the spooled file; memory holds only the header section and the decoded
// text the scorer reads. The message is MIME-decoded once: by the scan
// worker, whose content view the scorer uses (decoded here only without a
// scanner or a usable view). Every path ends in one reply and one
// Ending for the message log.
#pragma once

#include "content/content_view.h"
#include "gateway/gateway_services.h"
#include "gateway/transaction_record.h"
#include "mail/reply.h"
#include "policy/content_filter.h"
#include "queue/spool.h"
#include "smtp/session_handler.h"

#include <memory>
#include <optional>
#include <string>

namespace moat::gateway {

class MessagePipeline {
  public:
    MessagePipeline(GatewayServices& services, const smtp::Transaction& tx, TransactionRecord& record,
                    const std::string& client_ip, bool relay_client);

    // A new spool file starting with received (our Received: field); false
    // when it cannot be written (the message is answered 452 at its end).
    bool begin(const std::string& queue_id, const std::string& received);
    bool data(std::string_view chunk);

    struct Result {
        mail::Reply reply;
        Ending ending;
    };
    // Refused by the protocol: the spooled file goes.
    Result refusedByProtocol(const mail::Reply& reply, const smtp::ReceivedMessage& message);
    Result received(const smtp::ReceivedMessage& message);

  private:
    // check: the refusing check for the log; archive_as: keep the refused
    // message in the archive as rejected or virus (content refusals only, not
    // protocol violations or temporary failures).
    Result refuse(const mail::Reply& reply, const std::string& check,
                  std::optional<mail::Outcome> archive_as = std::nullopt);
    // The virus and attachment scan: a refusal (and a "virus"/"attachment"
    // check record), or nothing when it may be queued. `limits`: what
    // contentThresholds() gave (a content view is asked for only when the
    // message will be scored).
    std::optional<mail::Reply> scan(const std::optional<policy::ContentThresholds>& limits);
    // Content scoring with `limits` (none: not scored): a refusal, or nothing
    // after the spooled header section was rewritten (score fields, tagged Subject).
    std::optional<mail::Reply> contentCheck(const std::string& header_section,
                                            const std::optional<policy::ContentThresholds>& limits);
    // The thresholds this message is scored with (enabled or not), or nothing
    // when it is not scored at all: outbound mail of our own users, or every
    // recipient allow-lists the sender.
    std::optional<policy::ContentThresholds> contentThresholds() const;
    Result learn();
    Result queue();
    void archive(const std::string& spool_path, mail::Outcome outcome);

    GatewayServices& services_;
    const smtp::Transaction& tx_;
    TransactionRecord& record_;
    std::string client_ip_;
    bool relay_client_;
    std::string id_;
    std::string received_;  // our Received: field, the spooled file's first line
    std::unique_ptr<queue::Spool::Writer> writer_;
    bool write_ok_ = false;
    std::uint64_t size_ = 0;  // content octets, once received
    // The scan worker's decode of the message, for the scorer (none: decode here).
    std::optional<content::ContentView> view_;
};

}  // namespace moat::gateway
