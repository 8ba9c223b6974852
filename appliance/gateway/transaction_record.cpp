#include "gateway/transaction_record.h"

#include "store/store.h"
#include "util/log.h"

#include <Poco/String.h>

namespace moat::gateway {
namespace {

// The message log's outcome column: what happened to the transaction; the
// category (a mail::Outcome name) says what the message was found to be.
std::string outcomeColumn(mail::Outcome o) {
    return o == mail::Outcome::tempfailed ? "tempfail" : std::string(mail::name(o));
}

}  // namespace

std::string lastRefusingCheck(const std::vector<policy::CheckRecord>& checks, const std::string& fallback) {
    for (auto it = checks.rbegin(); it != checks.rend(); ++it)
        if (it->result.refuses()) return it->check;
    return fallback;
}

bool worthLogging(const smtp::Transaction& tx, const Ending& ending) {
    return ending.outcome != mail::Outcome::aborted || !tx.recipients.empty() || tx.refused_recipients > 0;
}

store::TransactionLog transactionLog(const smtp::Dialogue& client, const std::string& client_name,
                                     const smtp::Transaction& tx, const TransactionRecord& record, Ending ending) {
    if (ending.outcome == mail::Outcome::aborted && tx.recipients.empty() && tx.refused_recipients > 0) {
        // Every recipient was refused: that refusal, not the QUIT, is the outcome.
        ending.outcome = tx.last_refusal.rfind('4', 0) == 0 ? mail::Outcome::tempfailed : mail::Outcome::rejected;
        ending.reason = tx.last_refusal;
    }
    store::TransactionLog rec;
    rec.ts = store::nowSeconds();
    rec.client_ip = client.client_ip;
    rec.client_name = client_name;
    rec.helo = client.helo;
    rec.tls = client.secure ? client.tls_version : "";
    rec.sender = tx.sender.str();
    for (const auto& r : tx.recipients) rec.recipients += (rec.recipients.empty() ? "" : ",") + r.str();
    rec.size = ending.size;
    rec.queue_id = ending.queue_id;
    rec.outcome = outcomeColumn(ending.outcome);
    rec.reason = ending.reason;
    rec.checks = policy::toJson(record.checks);
    if (record.headers) {
        rec.subject = record.headers->subject;
        rec.from_header = record.headers->from;
        rec.message_id = record.headers->message_id;
    }
    rec.score = record.content_score.value_or(record.smtp_score);
    mail::Outcome category = ending.outcome;
    if (category == mail::Outcome::accepted && record.tagged) category = mail::Outcome::tagged;
    if (category == mail::Outcome::rejected && record.virus) category = mail::Outcome::virus;
    rec.category = std::string(mail::name(category));
    if (ending.outcome == mail::Outcome::rejected || ending.outcome == mail::Outcome::tempfailed)
        rec.refused_by = record.refused_by.empty() ? lastRefusingCheck(record.checks, "protocol") : record.refused_by;
    std::set<std::string> refused, domains;
    for (const auto& r : record.refused) {
        if (!refused.insert(r).second) continue;
        rec.refused_recipients += (rec.refused_recipients.empty() ? "" : ",") + r;
        if (auto at = r.rfind('@'); at != std::string::npos && at + 1 < r.size())
            domains.insert(Poco::toLower(r.substr(at + 1)));
    }
    for (const auto& r : tx.recipients)
        if (!r.domain.empty()) domains.insert(Poco::toLower(r.domain));
    rec.domains.assign(domains.begin(), domains.end());
    rec.archive = record.archived;
    return rec;
}

std::string logLine(const store::TransactionLog& row) {
    return "client=" + row.client_name + "[" + row.client_ip + "] helo=" + row.helo +
           " tls=" + (row.tls.empty() ? "no" : row.tls) + " from=<" + log::printable(row.sender) + "> to=<" +
           log::printable(row.recipients, 1000) + "> size=" + std::to_string(row.size) +
           " id=" + (row.queue_id.empty() ? "-" : row.queue_id) + " outcome=" + row.outcome +
           (row.reason.empty() ? "" : " reason=\"" + log::printable(row.reason) + "\"");
}

}  // namespace moat::gateway
