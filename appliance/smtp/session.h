// One SMTP server session (RFC 5321 with PIPELINING, SIZE, 8BITMIME,
// ENHANCEDSTATUSCODES, STARTTLS, SMTPUTF8), protocol only: it reads commands
// from a Connection under deadlines, parses them, enforces the protocol's
// limits (line lengths, recipients, errors, message size, header size, hops,
// the DATA deadline), streams the message to its handler, and answers each
// command with one Reply. Every decision about the mail itself is the
// SessionHandler's (smtp/session_handler.h). Nothing a client sends can throw
// out of run(): every input ends in a reply.
#pragma once

#include "config/config.h"
#include "mail/reply.h"
#include "net/connection.h"
#include "smtp/session_handler.h"

#include <Poco/Net/Context.h>

#include <memory>
#include <optional>
#include <set>
#include <string>

namespace moat::smtp {

class Session {
  public:
    // tls null: no STARTTLS.
    Session(const config::Smtp& cfg, Poco::Net::Context::Ptr tls, std::unique_ptr<net::Connection> connection,
            SessionHandler& handler);
    // Serves the connection, then tells the handler it is closed.
    void run();

  private:
    enum class Phase { start, ready, mail };  // before EHLO, after EHLO, inside a transaction
    enum class LineStatus { ok, eof, timeout, too_long, error };

    void serve();
    bool greet(std::chrono::milliseconds pause);  // false: the client left
    LineStatus readLine(std::string& line);
    void send(const mail::Reply& r);
    void send(int code, std::string_view enhanced, std::string_view text) { send(mail::reply(code, enhanced, text)); }
    bool protocolError();  // counts; true when the session must end
    void checkPipelining(const std::string& verb);
    void logLine(const std::string& text) const;

    void handle(const std::string& line);
    void cmdHelo(std::string_view arg, bool extended);
    void cmdStartTls(std::string_view arg);
    void cmdMail(std::string_view arg);
    void cmdRcpt(std::string_view arg);
    void cmdData(std::string_view arg);
    // Reads the message to its end; false when the session must end (the
    // transaction is over then).
    bool receiveMessage();
    void cmdRset();
    void cmdQuit();
    // Ends the open transaction, if any, without a message.
    void endTransaction(mail::Outcome outcome, const std::string& reason);

    const config::Smtp& cfg_;
    Poco::Net::Context::Ptr tls_;
    std::unique_ptr<net::Connection> conn_;
    SessionHandler& handler_;
    Dialogue dialogue_;
    Phase phase_ = Phase::start;
    std::optional<Transaction> tx_;
    std::set<std::string> seen_;  // recipients of tx_
    int errors_ = 0;
    bool quit_ = false;
    std::string verb_;  // the command being answered
};

}  // namespace moat::smtp
