// The delivery side of SMTP: one connection to a next hop, which may carry
// several transactions (connection reuse). Uses PIPELINING when offered
// (RFC 2920), opportunistic STARTTLS (RFC 3207/7435), SIZE, and passes
// BODY=8BITMIME / SMTPUTF8 through. Every outcome is a Reply per recipient;
// network failures are reported as 4xx replies so the queue retries.
// On request it keeps a transcript of the dialogue (the console's test
// message, queue/test_message).
#pragma once

#include "net/connection.h"
#include "mail/reply.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::queue {

// One exchange as the client saw it: the step ("connect" for the greeting,
// else the command's verb — "EHLO", "MAIL", "RCPT", "DATA" — or "end of data"
// after the message), the line sent ("" for the greeting) and the reply. A
// reply that never came (connection lost, timed out, not SMTP) or a failure
// before any reply has code 0 and says why in its text. Reply text is the
// peer's, unfiltered: escape it before showing it.
struct DialogueStep {
    std::string step;
    std::string sent;
    mail::Reply reply;
};

struct ClientOptions {
    std::string helo_name;
    std::chrono::milliseconds connect_timeout{30000};
    std::chrono::milliseconds command_timeout{300000};
    Poco::Net::Context::Ptr tls;  // null: never STARTTLS
    // When set, every step of the dialogue is appended here in order. Owned
    // by the caller and outliving the client; null (delivery): none kept.
    std::vector<DialogueStep>* transcript = nullptr;
};

struct TransactionResult {
    mail::Reply mail;                       // reply to MAIL FROM
    std::vector<mail::Reply> recipients;    // one per recipient, in order
    bool connection_usable = false;         // may carry another transaction
};

class SmtpClient {
public:
    // Connects, reads the greeting, says EHLO (HELO fallback) and upgrades to
    // TLS when offered. On failure returns null and sets `failure` (4xx/5xx).
    static std::unique_ptr<SmtpClient> connect(const Poco::Net::SocketAddress& address, const std::string& sni,
                                               const ClientOptions& options, mail::Reply& failure);

    // Sends one transaction; body_path is the spool file (CRLF lines, not
    // dot-stuffed). Recipients' replies: 2xx delivered, 4xx retry, 5xx failed.
    TransactionResult send(const std::string& sender, const std::vector<std::string>& recipients,
                           const std::string& body_path, std::uint64_t size, bool body_8bit, bool smtputf8);

    // The same with the message in memory (CRLF lines, not dot-stuffed).
    TransactionResult sendText(const std::string& sender, const std::vector<std::string>& recipients,
                               std::string_view message);

    // Asks whether the next hop would take mail from sender to recipient
    // (MAIL, RCPT) without sending a message: recipient validation by
    // callout. connection_usable: both replies were read.
    TransactionResult probe(const std::string& sender, const std::string& recipient, bool smtputf8);

    void quit();
    const Poco::Net::SocketAddress& address() const { return address_; }
    int transactions() const { return transactions_; }
    bool secure() const { return conn_->secure(); }

private:
    SmtpClient(std::unique_ptr<net::Connection> conn, Poco::Net::SocketAddress address, ClientOptions options)
        : conn_(std::move(conn)), address_(std::move(address)), options_(std::move(options)) {}

    bool readReply(mail::Reply& out);
    bool command(const std::string& line, mail::Reply& out);
    bool ehlo(mail::Reply& out);
    // Writes a command line (buffered) and notes the reply it awaits.
    void writeCommand(const std::string& line);
    // Sends the message, dot-stuffed, and the final dot. source fills the
    // next chunk, empty at the end; false: it cannot (a read error).
    using BodySource = std::function<bool(std::string& chunk)>;
    bool sendBody(const BodySource& source);
    TransactionResult transact(const std::string& sender, const std::vector<std::string>& recipients,
                               std::uint64_t size, bool body_8bit, bool smtputf8, const BodySource& body);
    // For the transcript: the reply awaited next, and those that will never come.
    void expect(std::string step, std::string sent);
    void abandonAwaited(const std::string& why);

    std::unique_ptr<net::Connection> conn_;
    Poco::Net::SocketAddress address_;
    ClientOptions options_;
    std::deque<std::pair<std::string, std::string>> awaited_;  // (step, line sent), transcript only
    bool pipelining_ = false, size_ = false, eightbit_ = false, smtputf8_ = false, starttls_ = false;
    int transactions_ = 0;
};

// A reply standing for a local failure (connection refused, timeout...).
mail::Reply localFailure(int code, std::string_view enhanced, std::string_view text);

}  // namespace moat::queue
