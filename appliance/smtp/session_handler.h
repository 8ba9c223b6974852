// The seam between the SMTP protocol and the gateway's decisions (STYLE §6).
// smtp::Session speaks the protocol: it reads and parses commands, enforces
// the protocol's limits and deadlines, streams DATA, and sends every reply.
// At each phase it asks a SessionHandler, which decides (accept, refuse,
// tempfail) and records, and never touches the connection. A handler serves
// one session and is called from that session's thread only.
//
// Transaction contract: mail() opens a transaction on both sides; it ends
// with exactly one of transactionEnded(), messageRefused() or
// messageReceived(), after which the session forgets it too.
#pragma once

#include "mail/address.h"
#include "mail/header_block.h"
#include "mail/outcome.h"
#include "mail/reply.h"

#include <Poco/Net/IPAddress.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::smtp {

// What the protocol knows about the conversation; owned by the session,
// valid for its whole life, so a handler may keep a reference to it.
struct Dialogue {
    std::string client_ip;  // canonical
    Poco::Net::IPAddress peer;  // the same, as lists and relay networks match it
    std::string local_ip;   // canonical address the client connected to
    std::string helo;       // the last HELO/EHLO argument, printable ("" before one)
    bool esmtp = false;     // EHLO rather than HELO
    bool secure = false;    // STARTTLS done
    std::string tls_version;  // "TLSv1.3" once secure
    std::string tls_summary;  // "TLSv1.3 with cipher … (256/256 bits)" once secure
};

// The open transaction as the protocol sees it.
struct Transaction {
    mail::Address sender;
    std::vector<mail::Address> recipients;  // accepted, each once, as the handler resolved them
    int accepted = 0;                       // RCPTs answered 250 (recipients plus e.g. training addresses)
    int refused_recipients = 0;             // RCPTs refused, by either side
    std::string last_refusal;               // "550 5.7.1 …" of the last refused RCPT
    bool body_8bit = false;                 // BODY=8BITMIME
    bool smtputf8 = false;                  // SMTPUTF8
};

// A refusal that ends the session with its (421) reply; reason is for the log.
struct ShutOut {
    std::string reason;
    mail::Reply reply;
};

struct Admission {
    std::optional<ShutOut> refusal;             // refused at connect
    std::chrono::milliseconds greet_pause{1};   // watch for early talkers this long before the greeting
};

struct RcptAnswer {
    std::optional<mail::Reply> refusal;
    // Accepted: the address to deliver to (a token address resolved to the
    // one it stands for); nothing for an address that is accepted but is not
    // a recipient (a training address).
    std::optional<mail::Address> deliver_to;
};

// The received message, checked against the protocol's limits.
struct ReceivedMessage {
    const mail::HeaderBlock& head;  // the header section as received (bounded)
    std::uint64_t size;             // content octets after unstuffing
};

class SessionHandler {
  public:
    virtual ~SessionHandler() = default;

    virtual Admission admit(const Dialogue& dialogue) = 0;
    // Client behaviour the protocol observed that marks a bot (pipelining
    // before it was offered, a bare newline after a command, talking first).
    virtual void behaviour(std::string_view what) = 0;
    // Before each reply goes out (verb: the command being answered, "" for
    // none): the handler may hold it back (throttling) and count it.
    virtual void replying(std::string_view verb, const mail::Reply& reply) = 0;
    // The session ends with this 421 after the current command.
    virtual std::optional<ShutOut> shutOut() const = 0;

    virtual void helo(std::string_view name) = 0;
    // A refusal, or nothing to open the transaction.
    virtual std::optional<mail::Reply> mail(const Transaction& tx) = 0;
    virtual RcptAnswer rcpt(const Transaction& tx, const mail::Address& recipient) = 0;
    // Every refused RCPT, by either side: address null when it did not parse.
    virtual void recipientRefused(const Transaction& tx, const mail::Address* recipient, const mail::Reply& reply) = 0;

    // DATA: the message begins (after 354), arrives in chunks, and ends one of three ways.
    // begin/data return false once the message can no longer be kept (a
    // write failed): the session goes on reading to the end and the handler
    // answers with a temporary failure then.
    virtual bool messageBegins(const Transaction& tx) = 0;
    virtual bool messageData(std::string_view chunk) = 0;
    // Refused by the protocol (size, line length, bare CR/LF, NUL, header size, hops).
    virtual void messageRefused(const Transaction& tx, const mail::Reply& reply, const ReceivedMessage& message) = 0;
    // Complete and within the limits: the handler's reply (250 queued, 5xx, 4xx).
    virtual mail::Reply messageReceived(const Transaction& tx, const ReceivedMessage& message) = 0;

    // The transaction ends without a message (RSET, QUIT, a new EHLO, timeout,
    // lost connection, no valid recipients). outcome: aborted or rejected.
    virtual void transactionEnded(const Transaction& tx, mail::Outcome outcome, const std::string& reason) = 0;
    // The connection is over.
    virtual void closed() = 0;
};

}  // namespace moat::smtp
