// One SMTP server session (RFC 5321 with PIPELINING, SIZE, 8BITMIME,
// ENHANCEDSTATUSCODES, STARTTLS, SMTPUTF8): reads commands from a
// Connection, answers each with a Reply, and hands accepted messages to the
// queue only once they are durable. Nothing a client sends can throw out of
// run(): every input ends in a reply, and environment failures become 4xx.
#pragma once

#include "config/config.h"
#include "net/connection.h"
#include "policy/check_record.h"
#include "policy/tokens.h"
#include "policy/dns_checks.h"
#include "policy/verdict.h"
#include "content/header_summary.h"
#include "queue/committer.h"
#include "queue/spool.h"
#include "mail/address.h"
#include "mail/reply.h"
#include "store/domains.h"

#include <Poco/Net/Context.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace moat::dns {
class Resolver;
}
namespace moat::policy {
class ClientCounters;
class Callout;
class Greylist;
class ContentFilter;
class ListHits;
class PolicyCache;
}  // namespace moat::policy
namespace moat::scan {
class ScanClient;
}
namespace moat::archive {
class ArchiveDir;
}
namespace moat::queue {
class Committer;
class DeliveryManager;
}  // namespace moat::queue

namespace moat::smtp {

// The daemon-wide services a session uses; all outlive every session.
struct SessionServices {
    const config::Config& config;
    policy::PolicyCache& policy_cache;
    queue::Spool& spool;
    queue::Committer& committer;
    queue::DeliveryManager& delivery;
    dns::Resolver* resolver;  // null: no DNS checks
    policy::Greylist& greylist;
    policy::ListHits& list_hits;
    Poco::Net::Context::Ptr tls;
    policy::ClientCounters& client_counters;
    policy::Tokens& tokens;
    policy::Callout& callout;  // recipient validation by the backend
    policy::ContentFilter& content;  // content scoring after DATA
    scan::ScanClient* scanner;  // null: no virus and attachment scanning ([scan] socket empty)
    archive::ArchiveDir* archive = nullptr;  // null: no archive
};

class Session {
public:
    Session(SessionServices& services, std::unique_ptr<net::Connection> connection);
    // Serves the connection, then records it for the per-MTA statistics.
    void run();

private:
    void serve();
    // Keeps the message file at spool_path in the archive (when archiving is
    // on); a failure is logged and changes nothing else.
    void archiveMessage(const std::string& spool_path, const std::string& id, const std::string& outcome);
    enum class Phase { start, ready, mail };  // before EHLO, after EHLO, inside a transaction
    enum class LineStatus { ok, eof, timeout, too_long, error };

    struct Transaction {
        mail::Address sender;
        std::vector<mail::Address> recipients;
        std::set<std::string> seen;
        bool body_8bit = false;
        bool smtputf8 = false;
        std::string last_refusal;
        int refused_recipients = 0;
        std::vector<policy::CheckRecord> checks;  // every decision, for the message log
        std::vector<policy::Finding> findings;    // sender-level check results (sender domain, RHSBL)
        std::set<std::string> evaluated;          // domains whose check results are in `checks`
        std::optional<mail::Reply> after_data;          // over the score threshold, refused after DATA
        double smtp_score = 0;                    // highest SMTP-time score among recipients' domains
        std::optional<bool> training;             // to spam@ (true) or ham@ (false) of this gateway
        std::set<std::string> content_exempt;     // recipients for whom an allow list skips the spam checks
        std::vector<policy::Tokens::Reservation> tokens;  // token addresses of accepted recipients
        std::vector<std::string> refused;         // addresses refused at RCPT
        std::optional<content::HeaderSummary> headers;  // once the content was received
        std::optional<double> content_score;      // when content scoring ran
        bool tagged = false;                      // the content decision tagged the message
        bool virus = false;                       // the virus scanner found one
        std::string refused_by;                   // the check that refused after DATA
        std::optional<queue::ArchivedMessage> archived;
    };

    LineStatus readLine(std::string& line);
    void send(const mail::Reply& r);
    void send(int code, std::string_view enhanced, std::string_view text) { send(mail::reply(code, enhanced, text)); }
    bool protocolError();  // counts; true when the session must end

    // Bot behaviour (check "bot"): the greeting pause watching for early
    // talkers (false: the client left), pipelining before PIPELINING was
    // offered, bare newlines. The first behaviour seen becomes the finding.
    bool greet();
    void noteBot(const std::string& behaviour);
    void checkPipelining(const std::string& verb);
    // Rate limits per client IP: counts a refusal, holds the reply back while
    // the IP is slowed down, and notes when it is to be shut out.
    void throttle(const mail::Reply& r);

    void handle(const std::string& line);
    void cmdHelo(std::string_view arg, bool extended);
    void cmdStartTls(std::string_view arg);
    void cmdMail(std::string_view arg);
    void cmdRcpt(std::string_view arg);
    // The SMTP-time policy for a recipient in a protected domain; a refusal
    // reply, or nothing when the recipient is accepted.
    // token_holder: the recipient was given as a valid token address, which
    // passes the whitelist-only gate (and nothing else).
    std::optional<mail::Reply> recipientPolicy(const mail::Address& rcpt, const store::Domain& domain, bool token_holder);
    // A token address ("jane+tok-XXXXXXXX@ours") becomes the address it stands
    // for, with the token reserved in `claim` (unless this transaction holds it
    // already); a refusal when it is not valid.
    std::optional<mail::Reply> claimToken(mail::Address& rcpt, const policy::TokenLocalPart& address, const store::Domain& domain,
                                     std::optional<policy::Tokens::Reservation>& claim);
    std::optional<mail::Reply> whitelistOnly(const mail::Address& rcpt, const store::Domain& domain);
    // The SMTP-time check results (session and transaction level) that apply
    // to a recipient in domain; DNS-based ones are left out when an exception
    // list entry covers the client.
    std::vector<policy::Finding> spamFindings(const store::Domain& domain);
    // The DNS checks' findings for domain (HELO syntax only when an exception covers the client).
    std::vector<policy::Finding> dnsFindings(const store::Domain& domain);
    void learnClientName(bool wait);  // the forward-confirmed name becomes client_name_
    std::optional<mail::Reply> spamChecks(const store::Domain& domain);
    void cmdData(std::string_view arg);
    // Content scoring of the received message (without our Received field):
    // a refusal, or nothing after the spooled message was replaced by the
    // one to deliver (score headers, tagged Subject).
    std::optional<mail::Reply> contentCheck(const std::string& header_section, const std::string& received,
                                      queue::Spool::Writer& writer);
    // A message sent to spam@/ham@ of this gateway: learnt, never delivered.
    void learnForwarded(const std::string& message, queue::Spool::Writer& writer);
    // The virus and attachment scan of the spooled message: a refusal (and a
    // "virus"/"attachment" check record), or nothing when it may be queued.
    // fd: the message open for reading (-1: it could not be reopened); closed here.
    std::optional<mail::Reply> scanMessage(int fd);
    void cmdRset();
    void cmdQuit();

    std::string receivedHeader(const std::string& queue_id) const;
    std::string tlsSummary() const;
    void endTransaction(const std::string& outcome, const std::string& reason, const std::string& queue_id = "",
                        std::uint64_t size = 0);
    void logLine(const std::string& text) const;
    // The message log's summary fields of the current transaction (subject,
    // category, refused_by, domains, archive...) for outcome.
    void describe(queue::TransactionLog& rec, const std::string& outcome) const;

    SessionServices& services_;
    std::unique_ptr<net::Connection> conn_;
    const config::Smtp& cfg_;
    std::string client_ip_;
    std::string client_name_ = "unknown";
    bool relay_client_ = false;  // evaluated per transaction
    Phase phase_ = Phase::start;
    bool esmtp_ = false;
    std::string helo_;
    std::optional<Transaction> tx_;
    std::vector<policy::Finding> session_findings_;  // client-level check results (rDNS, DNSBL, HELO, bot, ...)
    std::unique_ptr<policy::DnsChecks> dns_checks_;  // lookups started at connect, HELO and MAIL
    int errors_ = 0;
    bool quit_ = false;
    std::string verb_;                    // the command being answered
    bool bot_noted_ = false;
    std::optional<std::string> shut_out_;  // rate limit reached: why the session ends with 421
    int wanted_ = 0;    // transactions accepted untagged
    int unwanted_ = 0;  // transactions refused, tagged or found to carry a virus
};

}  // namespace moat::smtp
