// What the gateway decided about one SMTP transaction, gathered as it goes
// (every check's record, the scores, the refused recipients, what the
// content was found to be) and written once, at its end, as the message log
// row and the mail log line. The protocol's view of the same transaction
// (sender, recipients, counters) is smtp::Transaction; this is the rest.
#pragma once

#include "content/header_summary.h"
#include "mail/outcome.h"
#include "mail/reply.h"
#include "policy/check_record.h"
#include "policy/tokens.h"
#include "smtp/session_handler.h"
#include "store/queue_records.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace moat::gateway {

struct TransactionRecord {
    static constexpr std::size_t kRefusedKept = 100;  // refused recipients named in the message log

    std::vector<policy::CheckRecord> checks;   // every decision, for the message log
    std::set<std::string> evaluated;           // domains whose SMTP-time check results are in `checks`
    std::optional<mail::Reply> after_data;     // over the score threshold, refused after DATA
    double smtp_score = 0;                     // highest SMTP-time score among recipients' domains
    std::optional<bool> training;              // to spam@ (true) or ham@ (false) of this gateway
    std::set<std::string> content_exempt;      // recipients for whom an allow list skips the spam checks
    std::vector<policy::Tokens::Reservation> tokens;  // token addresses of accepted recipients
    std::vector<std::string> refused;          // addresses refused at RCPT (the first kRefusedKept)
    std::optional<content::HeaderSummary> headers;    // once the content was received
    std::optional<double> content_score;       // when content scoring ran
    bool tagged = false;                       // the content decision tagged the message
    bool virus = false;                        // the virus scanner found one
    std::string refused_by;                    // the check that refused after DATA
    std::optional<store::ArchivedMessage> archived;

    void note(std::string check, policy::CheckResult result, std::string detail) {
        checks.push_back({std::move(check), result, 0, std::move(detail)});
    }
};

// The check of the last refusing (reject or tempfail) record; fallback when none refused.
std::string lastRefusingCheck(const std::vector<policy::CheckRecord>& checks, const std::string& fallback);

// How the transaction ended, as the message log stores it.
struct Ending {
    mail::Outcome outcome;  // accepted (tagged or not), rejected, tempfailed, aborted or learnt
    std::string reason;     // the reply or the words that explain it
    std::string queue_id;   // when queued
    std::uint64_t size = 0;
};

// The message log row for a transaction. client: the session's dialogue;
// client_name: the forward-confirmed name or "unknown". An abort after every
// recipient was refused is logged as that refusal.
store::TransactionLog transactionLog(const smtp::Dialogue& client, const std::string& client_name,
                                     const smtp::Transaction& tx, const TransactionRecord& record, Ending ending);

// True when the row is worth a message log entry (an abort with no recipient
// given is not).
bool worthLogging(const smtp::Transaction& tx, const Ending& ending);

// The one-line summary for the mail log.
std::string logLine(const store::TransactionLog& row);

}  // namespace moat::gateway
