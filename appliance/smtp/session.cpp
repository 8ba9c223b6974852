#include "smtp/session.h"

#include "mail/client_text.h"
#include "net/cidr.h"
#include "smtp/data_reader.h"
#include "util/log.h"

#include <Poco/String.h>

#include <algorithm>

namespace moat::smtp {
namespace {

constexpr std::size_t kMaxCommandLine = 512;  // octets including CRLF, RFC 5321 §4.5.3.1.4
// The header section the session holds while the message streams past
// (Postfix's header_size_limit is 100 KB; more is refused, not truncated).
constexpr std::size_t kMaxHeaderSection = 256 * 1024;
constexpr std::size_t kChunk = 64 * 1024;  // message octets handed on at a time

using std::chrono::duration_cast;
using std::chrono::milliseconds;

}  // namespace

Session::Session(const config::Smtp& cfg, Poco::Net::Context::Ptr tls, std::unique_ptr<net::Connection> connection,
                 SessionHandler& handler)
    : cfg_(cfg), tls_(std::move(tls)), conn_(std::move(connection)), handler_(handler) {
    dialogue_.peer = conn_->peer().host();
    dialogue_.client_ip = net::canonicalIp(conn_->peer().host());
    dialogue_.local_ip = net::canonicalIp(conn_->local().host());
}

void Session::logLine(const std::string& text) const { log::info("smtpd: [" + dialogue_.client_ip + "] " + text); }

void Session::send(const mail::Reply& r) {
    handler_.replying(verb_, r);
    conn_->write(r.format());
    log::debug("smtpd: [" + dialogue_.client_ip + "] > " + std::to_string(r.code) +
               (r.enhanced.empty() ? "" : " " + r.enhanced) + " " + log::printable(r.text, 1000));
}

bool Session::protocolError() {
    if (++errors_ >= cfg_.max_errors) {
        send(421, "4.7.0", cfg_.hostname + " Error: too many errors, closing connection");
        quit_ = true;
        return true;
    }
    return false;
}

Session::LineStatus Session::readLine(std::string& line) {
    // A deadline for the whole line, not a timeout per read: bytes trickled
    // in one at a time do not keep the session alive.
    const auto deadline = std::chrono::steady_clock::now() + cfg_.command_timeout;
    bool too_long = false;
    for (;;) {
        auto pending = conn_->pending();
        auto nl = pending.find('\n');
        if (nl != std::string_view::npos) {
            if (too_long || nl + 1 > kMaxCommandLine) {
                conn_->consume(nl + 1);
                return LineStatus::too_long;
            }
            std::size_t len = nl;
            if (len > 0 && pending[len - 1] == '\r')
                --len;
            else
                handler_.behaviour("sent a command line ending in a bare newline");
            line.assign(pending.data(), len);
            conn_->consume(nl + 1);
            return LineStatus::ok;
        }
        if (pending.size() > kMaxCommandLine) {  // discard the over-long line up to its end
            too_long = true;
            conn_->consume(pending.size());
        }
        auto timeout = duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
        if (timeout.count() <= 0) return LineStatus::timeout;
        if (conn_->hasUnflushed() && !conn_->flush(timeout)) return LineStatus::error;
        switch (conn_->fill(timeout)) {
            case net::Connection::Read::ok: break;
            case net::Connection::Read::eof: return LineStatus::eof;
            case net::Connection::Read::timeout: return LineStatus::timeout;
            case net::Connection::Read::error: return LineStatus::error;
        }
    }
}

void Session::run() {
    serve();
    handler_.closed();
}

void Session::serve() {
    auto io_timeout = duration_cast<milliseconds>(cfg_.command_timeout);
    try {
        logLine("connect from [" + dialogue_.client_ip + "]");
        auto admission = handler_.admit(dialogue_);
        if (admission.refusal) {
            send(admission.refusal->reply);
            conn_->flush(io_timeout);
            conn_->shutdown();
            logLine("refused: " + admission.refusal->reason + "; disconnect");
            return;
        }
        if (!greet(admission.greet_pause)) {
            logLine("lost connection before the greeting; disconnect");
            return;
        }

        std::string line;
        while (!quit_) {
            verb_.clear();
            auto status = readLine(line);
            if (status == LineStatus::eof || status == LineStatus::error) {
                endTransaction(mail::Outcome::aborted, "connection lost");
                logLine("lost connection after " + std::string(phase_ == Phase::mail ? "MAIL" : "command"));
                break;
            }
            if (status == LineStatus::timeout) {
                endTransaction(mail::Outcome::aborted, "timeout");
                send(421, "4.4.2", cfg_.hostname + " Error: timeout exceeded");
                logLine("timeout");
                break;
            }
            if (status == LineStatus::too_long) {
                send(500, "5.5.2", "Error: command line too long (limit 512 octets)");
                if (protocolError()) break;
            } else {
                log::debug("smtpd: [" + dialogue_.client_ip + "] < " + log::printable(line));
                handle(line);
            }
            if (auto out = handler_.shutOut(); out && !quit_) {
                endTransaction(mail::Outcome::aborted, "rate limit: " + out->reason);
                send(out->reply);
                quit_ = true;
            }
            if (!conn_->hasPending() && conn_->hasUnflushed() && !conn_->flush(io_timeout)) break;
        }
        conn_->flush(io_timeout);
        conn_->shutdown();
    } catch (const std::exception& e) {
        // An unexpected failure ends this session only; the client retries.
        log::error("smtpd: [" + dialogue_.client_ip + "] session aborted: " + e.what());
        try {
            conn_->discardPending();
            send(421, "4.3.0", cfg_.hostname + " Error: internal error, try again later");
            conn_->flush(io_timeout);
        } catch (...) {
        }
    }
    logLine("disconnect");
}

bool Session::greet(milliseconds pause) {
    // With no pause, a one-millisecond look still catches what arrived while the handler admitted the client.
    auto deadline = std::chrono::steady_clock::now() + std::max(pause, milliseconds(1));
    for (;;) {
        auto left = duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 1) break;
        auto r = conn_->fill(left);
        if (r == net::Connection::Read::ok) {
            handler_.behaviour("talked before the greeting");
            break;
        }
        if (r == net::Connection::Read::eof || r == net::Connection::Read::error) return false;
    }
    send(220, "", cfg_.hostname + " ESMTP Moat");
    return conn_->flush(duration_cast<milliseconds>(cfg_.command_timeout));
}

// Input behind a command that had to be answered first: behind EHLO/HELO
// (RFC 2920 §3.1: they end a group), before any EHLO, or anywhere in a HELO
// session, where PIPELINING was never offered. Our reply to this command is
// not sent yet, so whatever is pending was written without waiting for it.
void Session::checkPipelining(const std::string& verb) {
    if (!conn_->hasPending()) return;
    if (verb == "EHLO" || verb == "HELO")
        handler_.behaviour("sent commands after " + verb + " without waiting for the reply");
    else if (phase_ == Phase::start)
        handler_.behaviour("pipelined commands before EHLO offered PIPELINING");
    else if (!dialogue_.esmtp)
        handler_.behaviour("pipelined commands in a HELO session, where PIPELINING was not offered");
}

void Session::handle(const std::string& line) {
    if (line.find('\0') != std::string::npos) {
        send(500, "5.5.2", "Error: NUL character in command");
        protocolError();
        return;
    }
    auto sp = line.find(' ');
    std::string verb = Poco::toUpper(line.substr(0, sp));
    verb_ = verb;
    checkPipelining(verb);
    std::string_view arg = sp == std::string::npos ? std::string_view() : std::string_view(line).substr(sp + 1);
    bool eight_bit = std::any_of(line.begin(), line.end(), [](unsigned char c) { return c >= 0x80; });
    if (eight_bit && verb != "MAIL" && verb != "RCPT") {
        send(500, "5.5.2", "Error: 8-bit characters in a command are only allowed in addresses with SMTPUTF8");
        protocolError();
        return;
    }

    if (verb == "EHLO") return cmdHelo(arg, true);
    if (verb == "HELO") return cmdHelo(arg, false);
    if (verb == "MAIL") return cmdMail(arg);
    if (verb == "RCPT") return cmdRcpt(arg);
    if (verb == "DATA") return cmdData(arg);
    if (verb == "RSET") return cmdRset();
    if (verb == "QUIT") return cmdQuit();
    if (verb == "STARTTLS") return cmdStartTls(arg);
    if (verb == "NOOP") return send(250, "2.0.0", "Ok");
    if (verb == "VRFY") return send(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    if (verb == "EXPN") return send(502, "5.5.1", "Error: EXPN is not supported");
    if (verb == "HELP")
        return send(214, "2.0.0",
                    "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS\n"
                    "See RFC 5321 (https://www.rfc-editor.org/rfc/rfc5321)");
    if (verb == "AUTH" || verb == "BDAT" || verb == "ETRN" || verb == "TURN")
        return send(502, "5.5.1", "Error: command not implemented");
    if (verb == "GET" || verb == "POST" || verb == "CONNECT" || verb == "HEAD") {
        send(421, "4.7.0", cfg_.hostname + " Error: this is an SMTP server, not a web proxy");
        quit_ = true;
        return;
    }
    send(500, "5.5.1", "Error: command not recognized");
    protocolError();
}

void Session::cmdHelo(std::string_view arg, bool extended) {
    std::string name = Poco::trim(std::string(arg));
    if (name.empty() || name.find(' ') != std::string::npos) {
        send(501, "5.5.4", std::string("Syntax: ") + (extended ? "EHLO" : "HELO") + " hostname");
        protocolError();
        return;
    }
    endTransaction(mail::Outcome::aborted, "new EHLO/HELO");
    dialogue_.helo = mail::clientText(name);
    dialogue_.esmtp = extended;
    handler_.helo(name);
    phase_ = Phase::ready;
    if (!extended) return send(250, "", cfg_.hostname);
    std::string text = cfg_.hostname + "\nPIPELINING\nSIZE " + std::to_string(cfg_.max_message_size) +
                       "\n8BITMIME\nENHANCEDSTATUSCODES";
    if (tls_ && !conn_->secure()) text += "\nSTARTTLS";
    text += "\nSMTPUTF8";
    send(250, "", text);
}

void Session::cmdStartTls(std::string_view arg) {
    if (!tls_) return send(502, "5.5.1", "Error: STARTTLS is not available");
    if (conn_->secure()) {
        send(503, "5.5.1", "Error: TLS is already active");
        protocolError();
        return;
    }
    if (!arg.empty()) return send(501, "5.5.4", "Syntax: STARTTLS");
    if (phase_ == Phase::start) return send(503, "5.5.1", "Error: send EHLO first");
    send(220, "2.0.0", "Ready to start TLS");
    auto timeout = duration_cast<milliseconds>(cfg_.command_timeout);
    if (!conn_->flush(timeout)) {
        quit_ = true;
        return;
    }
    std::string error;
    if (!conn_->acceptTls(tls_, timeout, error)) {
        logLine("TLS handshake failed: " + error);
        quit_ = true;
        return;
    }
    // RFC 3207 §4.2: forget everything learnt before TLS.
    endTransaction(mail::Outcome::aborted, "STARTTLS");
    phase_ = Phase::start;
    dialogue_.helo.clear();
    dialogue_.secure = true;
    dialogue_.tls_version = conn_->tlsVersion();
    int bits = conn_->tlsBits();
    dialogue_.tls_summary = conn_->tlsVersion() + " with cipher " + conn_->tlsCipher() + " (" + std::to_string(bits) +
                            "/" + std::to_string(bits) + " bits)";
    logLine("TLS established: " + dialogue_.tls_summary);
}

void Session::cmdMail(std::string_view arg) {
    if (phase_ == Phase::start) {
        send(503, "5.5.1", "Error: send HELO/EHLO first");
        protocolError();
        return;
    }
    if (phase_ == Phase::mail) {
        send(503, "5.5.1", "Error: nested MAIL command");
        protocolError();
        return;
    }
    if (Poco::icompare(std::string(arg.substr(0, 5)), "FROM:") != 0) {
        send(501, "5.5.4", "Syntax: MAIL FROM:<address>");
        protocolError();
        return;
    }
    std::string_view rest = arg.substr(5);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);  // tolerate "FROM: <a>"
    // The path first (8-bit allowed while parsing), then its parameters: only
    // a SMTPUTF8 parameter after the path allows an address that is not ASCII
    // (text inside a quoted local part is not a parameter).
    auto parsed = mail::parsePath(rest, true, true);
    if (!parsed.ok()) {
        send(parsed.code, parsed.enhanced, parsed.error);
        protocolError();
        return;
    }
    bool utf8 = std::any_of(parsed.params.begin(), parsed.params.end(),
                            [](const mail::EsmtpParam& p) { return p.first == "SMTPUTF8"; });
    const std::string address = parsed.address->str();
    if (!utf8 && std::any_of(address.begin(), address.end(), [](unsigned char c) { return c >= 0x80; })) {
        send(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8");
        protocolError();
        return;
    }
    Transaction tx;
    tx.sender = *parsed.address;
    for (const auto& [key, value] : parsed.params) {
        if (key == "SIZE") {
            char* end = nullptr;
            unsigned long long n = std::strtoull(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0') return send(501, "5.5.4", "Error: bad SIZE parameter");
            if (n > cfg_.max_message_size)
                return send(552, "5.3.4", "Message size exceeds fixed limit of " +
                                              std::to_string(cfg_.max_message_size) + " octets");
        } else if (key == "BODY") {
            std::string v = Poco::toUpper(value);
            if (v == "8BITMIME")
                tx.body_8bit = true;
            else if (v != "7BIT")
                return send(501, "5.5.4", "Error: BODY must be 7BIT or 8BITMIME");
        } else if (key == "SMTPUTF8") {
            if (!value.empty()) return send(501, "5.5.4", "Error: SMTPUTF8 takes no value");
            tx.smtputf8 = true;
        } else {
            return send(555, "5.5.4", "Error: unsupported MAIL parameter " + mail::clientText(key, 40));
        }
    }
    if (auto refusal = handler_.mail(tx)) return send(*refusal);
    tx_ = std::move(tx);
    seen_.clear();
    phase_ = Phase::mail;
    send(250, "2.1.0", "Ok");
}

void Session::cmdRcpt(std::string_view arg) {
    if (phase_ != Phase::mail || !tx_) {
        send(503, "5.5.1", "Error: need MAIL command");
        protocolError();
        return;
    }
    if (Poco::icompare(std::string(arg.substr(0, 3)), "TO:") != 0) {
        send(501, "5.5.4", "Syntax: RCPT TO:<address>");
        protocolError();
        return;
    }
    std::string_view rest = arg.substr(3);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    auto parsed = mail::parsePath(rest, false, tx_->smtputf8);
    // Beyond max_recipients refusals in one transaction each one more is a
    // protocol error (Postfix's smtpd_recipient_overshoot_limit), so a client
    // cannot send RCPT commands for ever; a syntax error always is one.
    auto refuse = [&](const mail::Reply& reply, bool syntax = false) {
        tx_->last_refusal = std::to_string(reply.code) + " " + reply.enhanced + " " + reply.text;
        ++tx_->refused_recipients;
        handler_.recipientRefused(*tx_, parsed.ok() ? &*parsed.address : nullptr, reply);
        send(reply);
        if (syntax || tx_->refused_recipients > cfg_.max_recipients) protocolError();
    };
    if (!parsed.ok()) return refuse(mail::reply(parsed.code, parsed.enhanced, parsed.error), true);
    if (!parsed.params.empty()) return refuse(mail::reply(555, "5.5.4", "Error: unsupported RCPT parameter"));
    if (tx_->recipients.size() >= static_cast<std::size_t>(cfg_.max_recipients))
        return refuse(mail::reply(452, "4.5.3", "Error: too many recipients"));

    auto answer = handler_.rcpt(*tx_, *parsed.address);
    if (answer.refusal) return refuse(*answer.refusal);
    ++tx_->accepted;
    if (answer.deliver_to && seen_.insert(answer.deliver_to->str()).second)
        tx_->recipients.push_back(std::move(*answer.deliver_to));
    send(250, "2.1.5", "Ok");
}

void Session::cmdData(std::string_view arg) {
    if (!arg.empty()) {
        send(501, "5.5.4", "Syntax: DATA");
        return;
    }
    if (phase_ != Phase::mail || !tx_) {
        send(503, "5.5.1", "Error: need MAIL command");
        protocolError();
        return;
    }
    if (tx_->accepted == 0) {
        send(554, "5.5.1", "Error: no valid recipients");
        endTransaction(mail::Outcome::rejected, tx_->last_refusal.empty() ? "no valid recipients" : tx_->last_refusal);
        return;
    }
    send(354, "", "End data with <CR><LF>.<CR><LF>");
    if (!conn_->flush(duration_cast<milliseconds>(cfg_.data_timeout))) {
        endTransaction(mail::Outcome::aborted, "connection lost");
        quit_ = true;
        return;
    }
    if (!receiveMessage()) quit_ = true;
    tx_.reset();
    phase_ = Phase::ready;
}

bool Session::receiveMessage() {
    bool kept = handler_.messageBegins(*tx_);
    DataReader reader(cfg_.max_message_size);
    std::string chunk;
    // The message goes on to the handler as it arrives; the session keeps
    // only its header section (bounded): memory does not grow with the message.
    mail::HeaderBlock head(kMaxHeaderSection);
    // The data's deadline: data_timeout, plus a second for every min_data_rate octets received.
    const auto data_start = std::chrono::steady_clock::now();
    while (!reader.done()) {
        if (!conn_->hasPending()) {
            auto deadline = data_start + cfg_.data_timeout + std::chrono::seconds(reader.size() / cfg_.min_data_rate);
            auto left = duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
            auto r = left.count() > 0 ? conn_->fill(left) : net::Connection::Read::timeout;
            if (r != net::Connection::Read::ok) {
                bool timeout = r == net::Connection::Read::timeout;
                endTransaction(mail::Outcome::aborted, timeout ? "timeout during DATA" : "connection lost during DATA");
                if (timeout) send(421, "4.4.2", cfg_.hostname + " Error: timeout exceeded");
                return false;
            }
        }
        conn_->consume(reader.feed(conn_->pending(), chunk));
        if (chunk.size() >= kChunk || reader.done()) {
            if (kept) kept = handler_.messageData(chunk);
            head.feed(chunk);
            chunk.clear();
        }
    }

    auto refuse = [&](int code, std::string_view enhanced, const std::string& text) {
        auto reply = mail::reply(code, enhanced, text);
        handler_.messageRefused(*tx_, reply, ReceivedMessage{head, reader.size()});
        send(reply);
        return true;
    };
    if (reader.tooBig())
        return refuse(552, "5.3.4",
                      "Message size exceeds fixed limit of " + std::to_string(cfg_.max_message_size) + " octets");
    if (reader.lineTooLong())
        return refuse(500, "5.5.2", "Message refused: a line is longer than 1000 octets (RFC 5321 4.5.3.1.6)");
    if (reader.bareLf() || reader.bareCr())
        return refuse(550, "5.5.2",
                      std::string("Message refused: bare ") + (reader.bareLf() ? "<LF>" : "<CR>") +
                          " in message; lines must end with <CR><LF> (RFC 5321 2.3.8)");
    if (reader.nul()) return refuse(550, "5.6.0", "Message refused: NUL character in message");
    if (head.tooLarge())
        return refuse(552, "5.3.4",
                      "Message refused: the header section exceeds " + std::to_string(kMaxHeaderSection) + " octets");
    if (head.received() > cfg_.max_hops)
        return refuse(554, "5.4.6",
                      "Message refused: too many hops (" + std::to_string(head.received()) +
                          " Received: fields, limit " + std::to_string(cfg_.max_hops) + "); a mail loop?");
    send(handler_.messageReceived(*tx_, ReceivedMessage{head, reader.size()}));
    return true;
}

void Session::cmdRset() {
    endTransaction(mail::Outcome::aborted, "RSET");
    if (phase_ == Phase::mail) phase_ = Phase::ready;
    send(250, "2.0.0", "Ok");
}

void Session::cmdQuit() {
    endTransaction(mail::Outcome::aborted, "QUIT");
    send(221, "2.0.0", "Bye");
    quit_ = true;
}

void Session::endTransaction(mail::Outcome outcome, const std::string& reason) {
    if (!tx_) return;
    handler_.transactionEnded(*tx_, outcome, reason);
    tx_.reset();
    if (phase_ == Phase::mail) phase_ = Phase::ready;
}

}  // namespace moat::smtp
