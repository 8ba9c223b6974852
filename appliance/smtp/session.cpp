#include "smtp/session.h"

#include "archive/archive_dir.h"
#include "content/header_rewrite.h"
#include "dns/resolver.h"
#include "mail/date.h"
#include "mail/header_block.h"
#include "net/cidr.h"
#include "policy/client_counters.h"
#include "policy/content_filter.h"
#include "policy/greylist.h"
#include "policy/policy_cache.h"
#include "policy/recipient_validation.h"
#include "queue/committer.h"
#include "queue/delivery_manager.h"
#include "queue/spool.h"
#include "scan/scan_client.h"
#include "smtp/data_reader.h"
#include "store/store.h"
#include "util/log.h"

#include <Poco/String.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <unistd.h>
#include <thread>

namespace moat::smtp {
namespace {

constexpr std::size_t kMaxCommandLine = 512;  // octets including CRLF, RFC 5321 §4.5.3.1.4
constexpr std::size_t kRefusedKept = 100;     // refused recipients named in the message log
// What one session holds of a message: its header section (Postfix's
// header_size_limit is 100 KB; more is refused, not truncated) and the
// prefix the content checks read back from the spool.
constexpr std::size_t kMaxHeaderSection = 256 * 1024;
constexpr std::size_t kContentScanBytes = 4u << 20;

// Client-supplied text that goes into a reply or log: printable ASCII only.
std::string clean(std::string_view s, std::size_t max = 255) {
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= max) break;
        out += (c > 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    return out;
}

// A HELO name inside the Received: header's comment syntax: no parentheses or brackets.
std::string cleanForHeader(std::string_view s) {
    std::string out = clean(s);
    for (char& c : out)
        if (c == '(' || c == ')' || c == '[' || c == ']') c = '?';
    return out;
}

std::string isoDate(long long t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// spam@HOSTNAME learns as spam (true), ham@HOSTNAME as ham (false).
std::optional<bool> trainingClass(const mail::Address& rcpt, const std::string& hostname) {
    if (rcpt.domain_literal || Poco::icompare(rcpt.domain, hostname) != 0) return std::nullopt;
    if (Poco::icompare(rcpt.local, "spam") == 0) return true;
    if (Poco::icompare(rcpt.local, "ham") == 0) return false;
    return std::nullopt;
}

// The check of the last refusing (reject or tempfail) record; fallback when none refused.
std::string lastRefusingCheck(const std::vector<policy::CheckRecord>& checks, const std::string& fallback) {
    for (auto it = checks.rbegin(); it != checks.rend(); ++it)
        if (it->result == "reject" || it->result == "tempfail") return it->check;
    return fallback;
}

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

Session::Session(SessionServices& services, std::unique_ptr<net::Connection> connection)
    : services_(services), conn_(std::move(connection)), cfg_(services.config.smtp) {
    client_ip_ = net::canonicalIp(conn_->peer().host());
}

void Session::logLine(const std::string& text) const { log::info("smtpd: [" + client_ip_ + "] " + text); }

void Session::send(const mail::Reply& r) {
    throttle(r);
    conn_->write(r.format());
    log::debug("smtpd: [" + client_ip_ + "] > " + std::to_string(r.code) + (r.enhanced.empty() ? "" : " " + r.enhanced) +
               " " + log::printable(r.text, 1000));
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
                noteBot("sent a command line ending in a bare newline");
            line.assign(pending.data(), len);
            conn_->consume(nl + 1);
            return LineStatus::ok;
        }
        if (pending.size() > kMaxCommandLine) {  // discard the over-long line up to its end
            too_long = true;
            conn_->consume(pending.size());
        }
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
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
    if (dns_checks_) learnClientName(false);
    queue::ConnectionRecord rec;
    rec.ts = store::nowSeconds();
    rec.ip = client_ip_;
    rec.name = client_name_ == "unknown" ? "" : client_name_;
    if (wanted_ > 0)
        rec.kind = queue::ConnectionRecord::Kind::wanted;
    else if (unwanted_ > 0 || shut_out_ || bot_noted_)
        rec.kind = queue::ConnectionRecord::Kind::unwanted;
    services_.committer.connection(std::move(rec));
}

void Session::serve() {
    auto io_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.command_timeout);
    try {
        policy::Gateway gateway{cfg_.hostname, {net::canonicalIp(conn_->local().host())}};
        if (auto listen = net::parseIp(cfg_.listen.host); listen && !listen->isWildcard())
            gateway.addresses.push_back(net::canonicalIp(*listen));
        dns_checks_ = std::make_unique<policy::DnsChecks>(services_.resolver, client_ip_,
                                                          services_.policy_cache.current()->zones, gateway);
        logLine("connect from [" + client_ip_ + "]");
        auto status = services_.client_counters.status(
            client_ip_, rateLimits(services_.policy_cache.current()->settings));
        if (status.blocked) {
            shut_out_ = status.blocked;
            send(421, "4.7.0", cfg_.hostname + " Error: " + *shut_out_ + " from [" + client_ip_ + "]; try again later");
            conn_->flush(io_timeout);
            conn_->shutdown();
            logLine("refused: " + *shut_out_ + "; disconnect");
            return;
        }
        if (!greet()) {
            logLine("lost connection before the greeting; disconnect");
            return;
        }

        std::string line;
        while (!quit_) {
            verb_.clear();
            auto status = readLine(line);
            if (status == LineStatus::eof || status == LineStatus::error) {
                if (tx_) endTransaction("aborted", "connection lost");
                logLine("lost connection after " + std::string(phase_ == Phase::mail ? "MAIL" : "command"));
                break;
            }
            if (status == LineStatus::timeout) {
                if (tx_) endTransaction("aborted", "timeout");
                send(421, "4.4.2", cfg_.hostname + " Error: timeout exceeded");
                logLine("timeout");
                break;
            }
            if (status == LineStatus::too_long) {
                send(500, "5.5.2", "Error: command line too long (limit 512 octets)");
                if (protocolError()) break;
            } else {
                log::debug("smtpd: [" + client_ip_ + "] < " + log::printable(line));
                handle(line);
            }
            if (shut_out_ && !quit_) {
                if (tx_) endTransaction("aborted", "rate limit: " + *shut_out_);
                send(421, "4.7.0",
                     cfg_.hostname + " Error: " + *shut_out_ + " from [" + client_ip_ + "]; try again later");
                quit_ = true;
            }
            if (!conn_->hasPending() && conn_->hasUnflushed() && !conn_->flush(io_timeout)) break;
        }
        conn_->flush(io_timeout);
        conn_->shutdown();
    } catch (const std::exception& e) {
        // An unexpected failure ends this session only; the client retries.
        log::error("smtpd: [" + client_ip_ + "] session aborted: " + e.what());
        try {
            conn_->discardPending();
            send(421, "4.3.0", cfg_.hostname + " Error: internal error, try again later");
            conn_->flush(io_timeout);
        } catch (...) {
        }
    }
    logLine("disconnect");
}

bool Session::greet() {
    auto io_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.command_timeout);
    // With no pause, a one-millisecond look still catches what arrived during the reverse lookup.
    auto pause = std::chrono::milliseconds(
        std::max<long long>(1, 1000 * services_.policy_cache.current()->settings.integer("bot.greet_pause")));
    auto deadline = std::chrono::steady_clock::now() + pause;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 1) break;
        auto r = conn_->fill(left);
        if (r == net::Connection::Read::ok) {
            noteBot("talked before the greeting");
            break;
        }
        if (r == net::Connection::Read::eof || r == net::Connection::Read::error) return false;
    }
    send(220, "", cfg_.hostname + " ESMTP Moat");
    return conn_->flush(io_timeout);
}

void Session::noteBot(const std::string& behaviour) {
    if (bot_noted_) return;
    bot_noted_ = true;
    logLine("bot behaviour: client " + behaviour);
    session_findings_.push_back(policy::Finding::hit(
        "bot", "client [" + client_ip_ + "] " + behaviour,
        mail::reply(550, "5.7.1", "Service unavailable; client [" + client_ip_ + "] " + behaviour + " (bot behaviour)")));
}

// Input behind a command that had to be answered first: behind EHLO/HELO
// (RFC 2920 §3.1: they end a group), before any EHLO, or anywhere in a HELO
// session, where PIPELINING was never offered. Our reply to this command is
// not sent yet, so whatever is pending was written without waiting for it.
void Session::checkPipelining(const std::string& verb) {
    if (bot_noted_ || !conn_->hasPending()) return;
    if (verb == "EHLO" || verb == "HELO")
        noteBot("sent commands after " + verb + " without waiting for the reply");
    else if (phase_ == Phase::start)
        noteBot("pipelined commands before EHLO offered PIPELINING");
    else if (!esmtp_)
        noteBot("pipelined commands in a HELO session, where PIPELINING was not offered");
}

void Session::throttle(const mail::Reply& r) {
    if (r.code == 421) return;  // the last reply of a session is never held back
    auto snapshot = services_.policy_cache.current();
    const auto& settings = snapshot->settings;
    auto limits = rateLimits(settings);
    bool refusal = r.code >= 500 && (verb_ == "MAIL" || verb_ == "RCPT" || verb_ == "DATA");
    auto status = refusal ? services_.client_counters.recordRejection(
                                client_ip_, verb_ == "RCPT" && r.enhanced == "5.1.1", limits)
                          : services_.client_counters.status(client_ip_, limits);
    if (status.blocked) shut_out_ = status.blocked;
    if (status.slow) std::this_thread::sleep_for(settings.seconds("ratelimit.delay"));
}

void Session::handle(const std::string& line) {
    for (unsigned char c : line) {
        if (c == 0) {
            send(500, "5.5.2", "Error: NUL character in command");
            protocolError();
            return;
        }
    }
    auto sp = line.find(' ');
    std::string verb = Poco::toUpper(line.substr(0, sp));
    verb_ = verb;
    checkPipelining(verb);
    std::string_view arg = sp == std::string::npos ? std::string_view() : std::string_view(line).substr(sp + 1);
    bool eight_bit = false;
    for (unsigned char c : line) eight_bit |= c >= 0x80;
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
    if (tx_) endTransaction("aborted", "new EHLO/HELO");
    helo_ = clean(name);
    dns_checks_->helo(name);
    dns_checks_->poll();
    esmtp_ = extended;
    phase_ = Phase::ready;
    if (!extended) return send(250, "", cfg_.hostname);
    std::string text = cfg_.hostname + "\nPIPELINING\nSIZE " + std::to_string(cfg_.max_message_size) +
                       "\n8BITMIME\nENHANCEDSTATUSCODES";
    if (services_.tls && !conn_->secure()) text += "\nSTARTTLS";
    text += "\nSMTPUTF8";
    send(250, "", text);
}

void Session::cmdStartTls(std::string_view arg) {
    if (!services_.tls) return send(502, "5.5.1", "Error: STARTTLS is not available");
    if (conn_->secure()) {
        send(503, "5.5.1", "Error: TLS is already active");
        protocolError();
        return;
    }
    if (!arg.empty()) return send(501, "5.5.4", "Syntax: STARTTLS");
    if (phase_ == Phase::start) return send(503, "5.5.1", "Error: send EHLO first");
    send(220, "2.0.0", "Ready to start TLS");
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.command_timeout);
    if (!conn_->flush(timeout)) {
        quit_ = true;
        return;
    }
    std::string error;
    if (!conn_->acceptTls(services_.tls, timeout, error)) {
        logLine("TLS handshake failed: " + error);
        quit_ = true;
        return;
    }
    // RFC 3207 §4.2: forget everything learnt before TLS.
    if (tx_) tx_.reset();
    phase_ = Phase::start;
    helo_.clear();
    logLine("TLS established: " + tlsSummary());
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
    auto ascii = [](const std::string& text) {
        return std::all_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x80; });
    };
    if (!utf8 && !ascii(parsed.address->str())) {
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
            if (v == "8BITMIME") tx.body_8bit = true;
            else if (v != "7BIT") return send(501, "5.5.4", "Error: BODY must be 7BIT or 8BITMIME");
        } else if (key == "SMTPUTF8") {
            if (!value.empty()) return send(501, "5.5.4", "Error: SMTPUTF8 takes no value");
            tx.smtputf8 = true;
        } else {
            return send(555, "5.5.4", "Error: unsupported MAIL parameter " + clean(key, 40));
        }
    }
    relay_client_ = services_.policy_cache.current()->relayAuthorised(conn_->peer().host(), store::nowSeconds());
    dns_checks_->sender(tx.sender);
    dns_checks_->poll();
    tx_ = std::move(tx);
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
    // Refused recipients are counted, the first kRefusedKept kept for the
    // log; beyond max_recipients refusals in one transaction each one more
    // is a protocol error (Postfix's smtpd_recipient_overshoot_limit), so a
    // client cannot send RCPT commands for ever.
    bool counted_as_error = false;
    auto refuse = [&](int code, std::string_view enh, const std::string& text) {
        tx_->last_refusal = std::to_string(code) + " " + std::string(enh) + " " + text;
        ++tx_->refused_recipients;
        if (parsed.ok() && parsed.address && tx_->refused.size() < kRefusedKept)
            tx_->refused.push_back(parsed.address->str());
        send(code, enh, text);
        if (!counted_as_error && tx_->refused_recipients > cfg_.max_recipients) {
            counted_as_error = true;
            protocolError();
        }
    };
    if (!parsed.ok()) {
        refuse(parsed.code, parsed.enhanced, parsed.error);
        if (!counted_as_error) protocolError();
        return;
    }
    if (!parsed.params.empty()) return refuse(555, "5.5.4", "Error: unsupported RCPT parameter");
    mail::Address rcpt = *parsed.address;
    std::string shown = "<" + clean(rcpt.str(), 300) + ">";
    if (tx_->recipients.size() >= static_cast<std::size_t>(cfg_.max_recipients))
        return refuse(452, "4.5.3", "Error: too many recipients");

    auto snapshot = services_.policy_cache.current();
    bool ours = !rcpt.domain_literal && snapshot->domain(rcpt.domain) != nullptr;
    auto record = [&](policy::CheckResult result, std::string detail) {
        tx_->checks.push_back({"relay", result, 0, std::move(detail)});
    };
    if (auto spam = trainingClass(rcpt, cfg_.hostname)) {
        if (!relay_client_) {
            record("reject", shown + ": a training address, and the client may not relay");
            return refuse(550, "5.7.1", shown + ": training addresses take mail only from this gateway's own users");
        }
        if (!tx_->recipients.empty() || (tx_->training && *tx_->training != *spam))
            return refuse(452, "4.5.3", shown + ": send mail to be learnt in a message of its own");
        tx_->training = *spam;
        record("pass", shown + ": training address");
        return send(250, "2.1.5", "Ok");
    }
    if (tx_->training) return refuse(452, "4.5.3", shown + ": send mail to be learnt in a message of its own");
    if (rcpt.localPartRoutes() && !relay_client_) {
        record("reject", shown + ": routing characters in the local part from a client that may not relay");
        return refuse(554, "5.7.1", shown + ": Relay access denied (routing characters in the local part)");
    }
    if (!ours && !relay_client_) {
        record("reject", shown + ": not a protected domain and the client may not relay");
        return refuse(554, "5.7.1", shown + ": Relay access denied");
    }
    record("pass", shown + (ours ? ": protected domain" : ": relay-authorised client"));
    // A token address is resolved first: every later check sees the address it stands for.
    auto token_address = ours ? policy::parseTokenLocalPart(rcpt.local) : std::nullopt;
    std::optional<policy::Tokens::Reservation> token;
    if (token_address) {
        if (auto refusal = claimToken(rcpt, *token_address, *snapshot->domain(rcpt.domain), token))
            return refuse(refusal->code, refusal->enhanced, refusal->text);
    }
    if (ours && !relay_client_) {
        if (auto refusal = recipientPolicy(rcpt, *snapshot->domain(rcpt.domain), token_address.has_value()))
            return refuse(refusal->code, refusal->enhanced, refusal->text);
    }
    if (token) tx_->tokens.push_back(std::move(*token));

    std::string key = rcpt.str();
    if (tx_->seen.insert(key).second) tx_->recipients.push_back(rcpt);
    send(250, "2.1.5", "Ok");
}

std::optional<mail::Reply> Session::claimToken(mail::Address& rcpt, const policy::TokenLocalPart& address,
                                         const store::Domain& domain,
                                         std::optional<policy::Tokens::Reservation>& claim) {
    std::string shown = "<" + clean(rcpt.str(), 300) + ">";
    auto note = [&](policy::CheckResult result, std::string detail) {
        tx_->checks.push_back({"token", result, 0, shown + ": " + std::move(detail)});
    };
    policy::Tokens::Claim c;
    try {
        c = services_.tokens.reserve(domain.id, address);
    } catch (const Poco::Exception& e) {
        log::warning("smtpd: [" + client_ip_ + "] token lookup failed: " + e.displayText());
        note("tempfail", "token store unavailable");
        return mail::reply(451, "4.3.0", shown + ": temporary failure looking up the token address, try again later");
    }
    bool held_here = false;
    for (const auto& t : tx_->tokens) held_here |= t.token() == address.token;
    if (c.result == policy::Tokens::Claim::busy && !held_here) {
        note("tempfail", "token " + address.token + " is in use by another session");
        return mail::reply(451, "4.7.1", shown + ": this token address is in use right now, try again later");
    }
    if (c.result == policy::Tokens::Claim::invalid) {
        note("reject", "token " + address.token + " unknown, expired or used");
        return mail::reply(550, "5.7.1", shown + ": token address expired or already used");
    }
    if (c.result == policy::Tokens::Claim::ok) claim = std::move(c.reservation);
    auto parsed = mail::parseMailbox(c.recipient, tx_->smtputf8);
    if (!parsed) throw std::logic_error("token recipient '" + c.recipient + "' does not parse");
    note("pass", "token " + address.token + " stands for <" + clean(parsed->str(), 300) + ">");
    rcpt = *parsed;
    return std::nullopt;
}

std::optional<mail::Reply> Session::whitelistOnly(const mail::Address& rcpt, const store::Domain& domain) {
    auto snapshot = services_.policy_cache.current();
    const auto& settings = snapshot->settings;
    std::string shown = "<" + clean(rcpt.str(), 300) + ">";
    policy::Tokens::Issued issued;
    try {
        issued = services_.tokens.issue(domain.id, rcpt.str(), tx_->sender.str(),
                                        settings.integer("whitelist_only.token_ttl", domain.name));
    } catch (const Poco::Exception& e) {
        log::warning("smtpd: [" + client_ip_ + "] cannot issue a token: " + e.displayText());
        tx_->checks.push_back({"whitelist_only", "tempfail", 0, "token store unavailable"});
        return mail::reply(451, "4.3.0", shown + " accepts mail only from approved senders; try again later");
    }
    std::string token_address = policy::tokenLocalPart(rcpt.local, issued.token) + "@" + rcpt.domain;
    tx_->checks.push_back({"whitelist_only", "reject", 0,
                           "sender not on an allow list of " + domain.name + "; token " + issued.token + " given"});
    return mail::reply(550, "5.7.1",
                 shown + " accepts mail only from approved senders; to reach " + clean(rcpt.local, 64) +
                     " once, send to " + clean(token_address, 300) + " (valid until " + isoDate(issued.expires) + ")");
}

std::optional<mail::Reply> Session::recipientPolicy(const mail::Address& rcpt, const store::Domain& domain, bool token_holder) {
    auto snapshot = services_.policy_cache.current();
    const auto& lists = *snapshot->lists;
    long long now = store::nowSeconds();
    std::string shown = "<" + clean(rcpt.str(), 300) + ">";
    auto note = [&](std::string check, policy::CheckResult result, std::string detail) {
        tx_->checks.push_back({std::move(check), result, 0, std::move(detail)});
    };

    if (auto pass = lists.passthrough(domain.id, rcpt.str())) {
        services_.list_hits.record(pass->id, now);
        note("list", "accept", shown + " accepts mail from anyone (" + pass->describe() + ")");
        tx_->content_exempt.insert(rcpt.str());
        return std::nullopt;
    }
    auto match = lists.senderList(domain.id, conn_->peer().host(), tx_->sender.str());
    if (match) services_.list_hits.record(match->id, now);
    if (match && match->denied()) {
        std::string who = match->kind == "client" ? "client [" + client_ip_ + "]"
                                                  : "sender <" + clean(tx_->sender.str(), 300) + ">";
        std::string where = match->global() ? "the global deny list" : "the deny list of " + domain.name;
        note("list", "reject", who + " is on " + where + " (" + match->describe() + ")");
        return mail::reply(550, "5.7.1", "Message refused: " + who + " is on " + where);
    }
    if (match) {
        note("list", "pass", "on an allow list (" + match->describe() + "); spam checks skipped");
        tx_->content_exempt.insert(rcpt.str());
        return policy::validateRecipient(*snapshot, domain, rcpt, services_.callout, tx_->checks);
    }
    const auto& settings = snapshot->settings;
    if (!settings.boolean("filtering.enabled", domain.name)) {
        // Filtering off: no spam checks, greylisting or content scoring; validation and lists still apply.
        note("filtering", "skip", shown + ": spam filtering is off for " + domain.name);
        tx_->content_exempt.insert(rcpt.str());
        if (auto refusal = policy::validateRecipient(*snapshot, domain, rcpt, services_.callout, tx_->checks))
            return refusal;
        if (!token_holder && settings.boolean("whitelist_only.enabled", domain.name)) return whitelistOnly(rcpt, domain);
        return std::nullopt;
    }
    // Spam checks and validation first: a listed client or an unknown
    // recipient must not be handed a token address.
    if (auto refusal = spamChecks(domain)) return refusal;
    if (auto refusal = policy::validateRecipient(*snapshot, domain, rcpt, services_.callout, tx_->checks))
        return refusal;
    if (!token_holder && settings.boolean("whitelist_only.enabled", domain.name)) return whitelistOnly(rcpt, domain);

    if (settings.boolean("greylist.enabled", domain.name)) {
        policy::GreylistSettings gs;
        gs.enabled = true;
        gs.delay = settings.seconds("greylist.delay", domain.name);
        gs.window = settings.seconds("greylist.window", domain.name);
        gs.remember = settings.seconds("greylist.remember", domain.name);
        gs.auto_whitelist_passes = static_cast<int>(settings.integer("greylist.auto_whitelist_passes", domain.name));
        auto result = services_.greylist.check(conn_->peer().host(), tx_->sender.str(), rcpt.str(), gs);
        if (result.verdict == policy::Greylist::Result::defer) {
            note("greylist", "tempfail", result.reason);
            return mail::reply(451, "4.7.1", policy::Greylist::replyText(result.retry_after));
        }
        note("greylist", "pass", result.reason);
    }
    return std::nullopt;
}

std::vector<policy::Finding> Session::spamFindings(const store::Domain& domain) {
    std::vector<policy::Finding> all = session_findings_;
    auto dns = dnsFindings(domain);
    all.insert(all.end(), dns.begin(), dns.end());
    all.insert(all.end(), tx_->findings.begin(), tx_->findings.end());
    return all;
}

std::vector<policy::Finding> Session::dnsFindings(const store::Domain& domain) {
    std::vector<policy::Finding> out;
    if (auto helo = dns_checks_->heloFinding()) out.push_back(std::move(*helo));
    auto snapshot = services_.policy_cache.current();
    const auto& lists = *snapshot->lists;
    const auto& peer = conn_->peer().host();
    const auto& sender_domain = dns_checks_->senderDomain();
    // An exception by address or sender domain needs no lookup; one by name waits for the PTR.
    auto exception = lists.exception(domain.id, peer, "", sender_domain);
    if (!exception) exception = lists.exception(domain.id, peer, dns_checks_->confirmedName(), sender_domain);
    learnClientName(false);
    if (exception) {
        services_.list_hits.record(exception->id, store::nowSeconds());
        if (!tx_->evaluated.count(Poco::toLower(domain.name)))
            tx_->checks.push_back({"list", "exception", 0,
                                   "DNS checks skipped for " + domain.name + " by " + exception->describe() +
                                       (exception->note.empty() ? "" : ": " + log::printable(exception->note))});
        return out;
    }
    auto client = dns_checks_->clientFindings();
    out.insert(out.begin(), client.begin(), client.end());
    if (auto country = dns_checks_->countryFinding(snapshot->settings.list("country.blocked", domain.name)))
        out.push_back(std::move(*country));
    auto domains = dns_checks_->domainFindings();
    out.insert(out.end(), domains.begin(), domains.end());
    return out;
}

void Session::learnClientName(bool wait) {
    if (client_name_ != "unknown") return;
    auto name = wait ? std::optional<std::string>(dns_checks_->confirmedName()) : dns_checks_->confirmedNameNow();
    if (name && !name->empty()) client_name_ = clean(*name);
}

std::optional<mail::Reply> Session::spamChecks(const store::Domain& domain) {
    auto findings = spamFindings(domain);
    if (findings.empty()) return std::nullopt;
    auto snapshot = services_.policy_cache.current();
    auto ev = policy::evaluate(findings, snapshot->settings, domain.name);
    if (tx_->evaluated.insert(Poco::toLower(domain.name)).second || ev.refusal)
        tx_->checks.insert(tx_->checks.end(), ev.records.begin(), ev.records.end());
    if (ev.refusal) return ev.refusal;
    if (ev.after_data && !tx_->after_data) tx_->after_data = std::move(ev.after_data);
    tx_->smtp_score = std::max(tx_->smtp_score, ev.score);
    return std::nullopt;
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
    if (tx_->recipients.empty() && !tx_->training) {
        send(554, "5.5.1", "Error: no valid recipients");
        endTransaction("rejected", tx_->last_refusal.empty() ? "no valid recipients" : tx_->last_refusal);
        return;
    }
    auto data_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.data_timeout);
    send(354, "", "End data with <CR><LF>.<CR><LF>");
    if (!conn_->flush(data_timeout)) {
        endTransaction("aborted", "connection lost");
        quit_ = true;
        return;
    }

    learnClientName(true);
    std::string id = services_.spool.newId();
    queue::Spool::Writer writer(services_.spool, id);
    std::string received = receivedHeader(id);
    bool write_ok = writer.write(received);
    DataReader reader(cfg_.max_message_size);
    std::string chunk;
    // The message goes to the spool as it arrives; the session keeps only its
    // header section (bounded), and the content checks read a bounded prefix
    // back from the spool file: memory does not grow with the message.
    mail::HeaderBlock head(kMaxHeaderSection);
    // The data's deadline: data_timeout, plus a second for every min_data_rate octets received.
    const auto data_start = std::chrono::steady_clock::now();
    while (!reader.done()) {
        if (!conn_->hasPending()) {
            auto deadline = data_start + cfg_.data_timeout + std::chrono::seconds(reader.size() / cfg_.min_data_rate);
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            auto r = left.count() > 0 ? conn_->fill(left) : net::Connection::Read::timeout;
            if (r != net::Connection::Read::ok) {
                writer.abort();
                endTransaction("aborted", r == net::Connection::Read::timeout ? "timeout during DATA"
                                                                                : "connection lost during DATA");
                if (r == net::Connection::Read::timeout) send(421, "4.4.2", cfg_.hostname + " Error: timeout exceeded");
                quit_ = true;
                return;
            }
        }
        conn_->consume(reader.feed(conn_->pending(), chunk));
        if (chunk.size() >= 64 * 1024 || reader.done()) {
            if (write_ok) write_ok = writer.write(chunk);
            head.feed(chunk);
            chunk.clear();
        }
    }
    tx_->headers = content::summarizeHeaders(head.text());

    // check: the refusing check for the log; archive_as: keep the refused
    // message in the archive as rejected or virus (content refusals only, not
    // protocol violations or temporary failures).
    auto refuse = [&](int code, std::string_view enh, const std::string& text, const std::string& check,
                      const char* archive_as = nullptr) {
        if (archive_as && write_ok && writer.flush()) archiveMessage(writer.path(), id, archive_as);
        writer.abort();
        tx_->refused_by = check;
        send(code, enh, text);
        endTransaction(code >= 500 ? "rejected" : "tempfail",
                       std::to_string(code) + " " + std::string(enh) + " " + text, "", reader.size());
    };
    if (reader.tooBig())
        return refuse(552, "5.3.4",
                      "Message size exceeds fixed limit of " + std::to_string(cfg_.max_message_size) + " octets",
                      "protocol");
    if (reader.lineTooLong())
        return refuse(500, "5.5.2", "Message refused: a line is longer than 1000 octets (RFC 5321 4.5.3.1.6)",
                      "protocol");
    if (reader.bareLf() || reader.bareCr())
        return refuse(550, "5.5.2",
                      std::string("Message refused: bare ") + (reader.bareLf() ? "<LF>" : "<CR>") +
                          " in message; lines must end with <CR><LF> (RFC 5321 2.3.8)",
                      "protocol");
    if (reader.nul()) return refuse(550, "5.6.0", "Message refused: NUL character in message", "protocol");
    if (head.tooLarge())
        return refuse(552, "5.3.4",
                      "Message refused: the header section exceeds " + std::to_string(kMaxHeaderSection) + " octets",
                      "protocol");
    if (head.received() > cfg_.max_hops)
        return refuse(554, "5.4.6",
                      "Message refused: too many hops (" + std::to_string(head.received()) +
                          " Received: fields, limit " + std::to_string(cfg_.max_hops) + "); a mail loop?",
                      "protocol");
    if (write_ok && services_.scanner) {
        const auto& scan = services_.config.scan;
        if (!scan.socket_configured && !std::filesystem::exists(scan.socket)) {
            tx_->checks.push_back({"virus", "skip", 0, "not scanned: moat-scand is not installed (no " + scan.socket + ")"});
        } else if (auto refusal = scanMessage(writer.openForReading())) {
            bool permanent = refusal->code >= 500;
            std::string check = tx_->virus || !permanent ? "virus" : "attachment";
            return refuse(refusal->code, refusal->enhanced, refusal->text, check,
                          permanent ? (tx_->virus ? "virus" : "rejected") : nullptr);
        }
    }
    if (tx_->after_data)
        return refuse(tx_->after_data->code, tx_->after_data->enhanced, tx_->after_data->text,
                      lastRefusingCheck(tx_->checks, "score"), tx_->after_data->code >= 500 ? "rejected" : nullptr);
    if (!write_ok) {
        bool full = writer.lastErrno() == ENOSPC || writer.lastErrno() == EDQUOT;
        return refuse(452, "4.3.1", full ? "Insufficient system storage, try again later"
                                         : "Temporary failure writing the queue, try again later", "queue");
    }
    if (tx_->training) return learnForwarded(writer.read(received.size(), kContentScanBytes), writer);
    if (auto refusal = contentCheck(head.text(), received, writer))
        return refuse(refusal->code, refusal->enhanced, refusal->text, "content",
                      refusal->code >= 500 ? "rejected" : nullptr);

    mail::Envelope env;
    env.id = id;
    env.sender = tx_->sender.str();
    for (const auto& r : tx_->recipients) env.recipients.push_back(r.str());
    env.created = store::nowSeconds();
    env.client_ip = client_ip_;
    env.flags = (tx_->body_8bit ? mail::kBody8Bit : 0u) | (tx_->smtputf8 ? mail::kSmtpUtf8 : 0u);
    env.size = writer.size();
    if (!writer.commit()) return refuse(451, "4.3.0", "Temporary failure writing the queue, try again later", "queue");
    services_.delivery.reserve(id);
    if (!services_.committer.enqueue(env)) {
        services_.delivery.release(id);
        services_.spool.remove(id);
        send(451, "4.3.0", "Temporary failure in the queue store, try again later");
        tx_->refused_by = "queue";
        endTransaction("tempfail", "451 4.3.0 queue store failure", "", env.size);
        return;
    }
    // Linked before delivery can remove the spool name: the archive keeps what was delivered.
    archiveMessage(services_.spool.path(id), id, tx_->tagged ? "tagged" : "accepted");
    services_.delivery.submit(env);
    for (auto& token : tx_->tokens) token.spend();
    send(250, "2.0.0", "Ok: queued as " + id);
    endTransaction("accepted", "", id, env.size);
}

std::optional<mail::Reply> Session::contentCheck(const std::string& header_section, const std::string& received,
                                                queue::Spool::Writer& writer) {
    if (relay_client_) return std::nullopt;  // outbound mail from our own users is not scored
    if (std::all_of(tx_->recipients.begin(), tx_->recipients.end(),
                    [&](const mail::Address& r) { return tx_->content_exempt.count(r.str()) > 0; }))
        return std::nullopt;  // allow-listed for every recipient: never tagged or rejected
    auto snapshot = services_.policy_cache.current();
    std::vector<std::string> domains;
    for (const auto& r : tx_->recipients)
        if (!r.domain_literal && snapshot->domain(r.domain) && !tx_->content_exempt.count(r.str()))
            domains.push_back(r.domain);
    auto limits = policy::strictestThresholds(snapshot->settings, domains);
    content::HeaderRewrite rewrite;  // none: forged score fields go all the same
    if (limits.enabled) {
        auto zones = policy::withSettingZones(snapshot->zones, snapshot->settings);
        // The classifier and rules see the first kContentScanBytes of the message (as spamc's
        // max-size): the text is at the start; the rest is attachments, which moat-scand reads.
        auto decision = services_.content.decide(writer.read(received.size(), kContentScanBytes), limits,
                                                 tx_->smtp_score, zones);
        tx_->checks.insert(tx_->checks.end(), decision.records.begin(), decision.records.end());
        tx_->content_score = decision.score.total();
        tx_->tagged = !decision.refusal && decision.verdict == content::ContentVerdict::tag;
        if (decision.refusal) return decision.refusal;
        rewrite = std::move(decision.rewrite);
    }
    // Only the header section changes: the body stays in the spool file as it is.
    std::string new_head = content::rewriteHeaders(header_section, rewrite);
    if (new_head == header_section) return std::nullopt;
    if (!writer.replacePrefix(received + new_head, received.size() + header_section.size()))
        return mail::reply(452, "4.3.1", "Temporary failure writing the queue, try again later");
    return std::nullopt;
}

void Session::learnForwarded(const std::string& message, queue::Spool::Writer& writer) {
    writer.abort();
    bool spam = *tx_->training;
    std::string what;
    try {
        what = services_.content.learnForwarded(message, spam);
    } catch (const Poco::Exception& e) {
        log::warning("smtpd: [" + client_ip_ + "] cannot learn: " + e.displayText());
        send(451, "4.3.0", "Temporary failure in the Bayes store, try again later");
        endTransaction("tempfail", "451 4.3.0 Bayes store failure", "", message.size());
        return;
    }
    tx_->checks.push_back({"training", spam ? policy::CheckResult::spam : policy::CheckResult::ham, 0, what});
    send(250, "2.0.0", "Ok: " + what);
    endTransaction("learnt", what, "", message.size());
}

std::optional<mail::Reply> Session::scanMessage(int fd) {
    using Kind = scan::ScanResult::Kind;
    scan::ScanResult result{Kind::error, "cannot reopen the spooled message"};
    if (fd >= 0) {
        // The scanner's own limit is scan.timeout; a little longer here lets its "timed out" answer arrive.
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(services_.config.scan.timeout) +
                       std::chrono::seconds(5);
        result = services_.scanner->scan(fd, timeout);
        ::close(fd);
    }
    auto record = [&](const char* check, policy::CheckResult outcome, const std::string& detail) {
        tx_->checks.push_back({check, outcome, 0, detail});
    };
    switch (result.kind) {
        case Kind::clean:
            record("virus", "pass", "no virus and no blocked attachment found" +
                                        (result.detail.empty() ? "" : "; " + result.detail));
            return std::nullopt;
        case Kind::virus:
            tx_->virus = true;
            record("virus", "reject", "virus " + result.detail + " found");
            return mail::reply(554, "5.7.1", "Message rejected: virus " + result.detail + " found");
        case Kind::blocked:
            record("attachment", "reject", result.detail);
            return mail::reply(554, "5.7.1", "Message rejected: " + result.detail);
        case Kind::unavailable:
            if (services_.config.scan.no_signatures_accept) {
                record("virus", "skip", "not scanned: " + result.detail);
                return std::nullopt;
            }
            record("virus", "tempfail", result.detail);
            return mail::reply(451, "4.7.0", "Virus scanner not ready, try again later");
        case Kind::error:
            break;
    }
    log::warning("smtpd: virus scan failed: " + result.detail);
    record("virus", "tempfail", "scan failed: " + result.detail);
    return mail::reply(451, "4.7.0", "Virus scanner unavailable, try again later");
}

void Session::cmdRset() {
    if (tx_) endTransaction("aborted", "RSET");
    if (phase_ == Phase::mail) phase_ = Phase::ready;
    send(250, "2.0.0", "Ok");
}

void Session::cmdQuit() {
    if (tx_) endTransaction("aborted", "QUIT");
    send(221, "2.0.0", "Bye");
    quit_ = true;
}

std::string Session::tlsSummary() const {
    if (!conn_->secure()) return "";
    int bits = conn_->tlsBits();
    return conn_->tlsVersion() + " with cipher " + conn_->tlsCipher() + " (" + std::to_string(bits) + "/" +
           std::to_string(bits) + " bits)";
}

std::string Session::receivedHeader(const std::string& queue_id) const {
    // RFC 5321 §4.4 and RFC 3848 protocol names.
    std::string proto = (tx_ && tx_->smtputf8) ? "UTF8SMTP" : (esmtp_ ? "ESMTP" : "SMTP");
    if (conn_->secure()) proto += "S";
    std::string h = "Received: from " + (helo_.empty() ? std::string("unknown") : cleanForHeader(helo_)) + " (" +
                    cleanForHeader(client_name_) +
                    " [" + client_ip_ + "])\r\n\tby " + cfg_.hostname + " (Moat) with " + proto + " id " + queue_id;
    if (conn_->secure()) h += "\r\n\t(using " + tlsSummary() + ")";
    if (tx_ && tx_->recipients.size() == 1) h += "\r\n\tfor <" + clean(tx_->recipients.front().str(), 300) + ">";
    h += "; " + mail::rfc5322Date(std::time(nullptr)) + "\r\n";
    return h;
}

void Session::archiveMessage(const std::string& spool_path, const std::string& id, const std::string& outcome) {
    if (!services_.archive || !tx_) return;
    if (!services_.policy_cache.current()->settings.boolean("archive.enabled")) return;
    std::uint64_t size = 0;
    if (!services_.archive->keep(spool_path, id, size)) return;
    tx_->archived = queue::ArchivedMessage{id, size, outcome};
}

void Session::describe(queue::TransactionLog& rec, const std::string& outcome) const {
    if (tx_->headers) {
        rec.subject = tx_->headers->subject;
        rec.from_header = tx_->headers->from;
        rec.message_id = tx_->headers->message_id;
    }
    rec.score = tx_->content_score.value_or(tx_->smtp_score);
    if (outcome == "accepted") rec.category = tx_->tagged ? "tagged" : "accepted";
    else if (outcome == "rejected") rec.category = tx_->virus ? "virus" : "rejected";
    else if (outcome == "tempfail") rec.category = "tempfailed";
    else rec.category = outcome;
    if (outcome == "rejected" || outcome == "tempfail")
        rec.refused_by = tx_->refused_by.empty() ? lastRefusingCheck(tx_->checks, "protocol") : tx_->refused_by;
    std::set<std::string> refused, domains;
    for (const auto& r : tx_->refused) {
        if (!refused.insert(r).second) continue;
        rec.refused_recipients += (rec.refused_recipients.empty() ? "" : ",") + r;
        if (auto at = r.rfind('@'); at != std::string::npos && at + 1 < r.size())
            domains.insert(Poco::toLower(r.substr(at + 1)));
    }
    for (const auto& r : tx_->recipients)
        if (!r.domain.empty()) domains.insert(Poco::toLower(r.domain));
    rec.domains.assign(domains.begin(), domains.end());
    rec.archive = tx_->archived;
}

void Session::endTransaction(const std::string& outcome, const std::string& reason, const std::string& queue_id,
                             std::uint64_t size) {
    if (!tx_) return;
    learnClientName(false);
    std::string final_outcome = outcome, final_reason = reason;
    if (outcome == "aborted" && tx_->recipients.empty() && tx_->refused_recipients > 0) {
        // Every recipient was refused: that refusal, not the QUIT, is the outcome.
        final_outcome = tx_->last_refusal.rfind('4', 0) == 0 ? "tempfail" : "rejected";
        final_reason = tx_->last_refusal;
    }
    queue::TransactionLog rec;
    rec.ts = store::nowSeconds();
    rec.client_ip = client_ip_;
    rec.client_name = client_name_;
    rec.helo = helo_;
    rec.tls = conn_->secure() ? conn_->tlsVersion() : "";
    rec.sender = tx_->sender.str();
    for (const auto& r : tx_->recipients) rec.recipients += (rec.recipients.empty() ? "" : ",") + r.str();
    rec.size = size;
    rec.queue_id = queue_id;
    rec.outcome = final_outcome;
    rec.reason = final_reason;
    rec.checks = policy::toJson(tx_->checks);
    describe(rec, final_outcome);
    if (rec.category == "accepted") ++wanted_;
    else if (rec.category == "rejected" || rec.category == "virus" || rec.category == "tagged") ++unwanted_;
    if (outcome != "aborted" || !tx_->recipients.empty() || tx_->refused_recipients > 0) {
        logLine("client=" + client_name_ + "[" + client_ip_ + "] helo=" + helo_ + " tls=" +
                (rec.tls.empty() ? "no" : rec.tls) + " from=<" + log::printable(rec.sender) + "> to=<" +
                log::printable(rec.recipients, 1000) + "> size=" + std::to_string(size) +
                " id=" + (queue_id.empty() ? "-" : queue_id) + " outcome=" + final_outcome +
                (final_reason.empty() ? "" : " reason=\"" + log::printable(final_reason) + "\""));
        services_.committer.log(std::move(rec));
    }
    tx_.reset();
    if (phase_ == Phase::mail) phase_ = Phase::ready;
}

}  // namespace moat::smtp
