// smtp::Session, the protocol alone, over a scripted connection: a real
// loopback socket carries a client script (sent at once, then half-closed)
// to a Session whose decisions come from a recording SessionHandler, and the
// test reads every reply. Shows that the protocol's limits and replies hold
// whatever the handler decides, and that the handler is asked at each phase
// exactly as session_handler.h promises (one ending per transaction, the
// message streamed in pieces, protocol refusals never reaching
// messageReceived).
#include "smtp/session.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

using moat::mail::Reply;
using moat::smtp::Dialogue;
using moat::smtp::Transaction;

namespace {

// Records every call; accepts everything unless told otherwise.
class RecordingHandler : public moat::smtp::SessionHandler {
  public:
    std::vector<std::string> calls;
    std::string message;  // what messageData received
    std::string refuse_rcpt;  // local part refused with 550 5.1.1
    std::optional<moat::smtp::ShutOut> shut_out_after_mail;
    bool admit_refused = false;
    bool mailed = false;

    moat::smtp::Admission admit(const Dialogue& d) override {
        calls.push_back("admit " + d.client_ip);
        moat::smtp::Admission a;
        a.greet_pause = std::chrono::milliseconds(0);
        if (admit_refused) a.refusal = moat::smtp::ShutOut{"blocked", moat::mail::reply(421, "4.7.0", "go away")};
        return a;
    }
    void behaviour(std::string_view what) override { calls.push_back("behaviour " + std::string(what)); }
    void replying(std::string_view, const Reply&) override {}
    std::optional<moat::smtp::ShutOut> shutOut() const override {
        return mailed ? shut_out_after_mail : std::nullopt;
    }
    void helo(std::string_view name) override { calls.push_back("helo " + std::string(name)); }
    std::optional<Reply> mail(const Transaction& tx) override {
        calls.push_back("mail " + tx.sender.str());
        mailed = true;
        return std::nullopt;
    }
    moat::smtp::RcptAnswer rcpt(const Transaction&, const moat::mail::Address& r) override {
        calls.push_back("rcpt " + r.str());
        if (r.local == refuse_rcpt) return {moat::mail::reply(550, "5.1.1", "unknown user"), std::nullopt};
        return {std::nullopt, r};
    }
    void recipientRefused(const Transaction&, const moat::mail::Address* r, const Reply& reply) override {
        calls.push_back("refused " + (r ? r->str() : std::string("?")) + " " + std::to_string(reply.code));
    }
    bool messageBegins(const Transaction& tx) override {
        calls.push_back("begin " + std::to_string(tx.recipients.size()));
        return true;
    }
    bool messageData(std::string_view chunk) override {
        message += chunk;
        return true;
    }
    void messageRefused(const Transaction&, const Reply& reply, const moat::smtp::ReceivedMessage&) override {
        calls.push_back("message refused " + std::to_string(reply.code) + " " + reply.enhanced);
    }
    Reply messageReceived(const Transaction&, const moat::smtp::ReceivedMessage& m) override {
        calls.push_back("message received " + std::to_string(m.size) + " hops " + std::to_string(m.head.received()));
        return moat::mail::reply(250, "2.0.0", "Ok: queued as TEST");
    }
    void transactionEnded(const Transaction&, moat::mail::Outcome o, const std::string& reason) override {
        calls.push_back("ended " + std::string(moat::mail::name(o)) + " " + reason);
    }
    void closed() override { calls.push_back("closed"); }

    int count(std::string_view prefix) const {
        int n = 0;
        for (const auto& c : calls) n += c.rfind(prefix, 0) == 0 ? 1 : 0;
        return n;
    }
};

moat::config::Smtp testConfig() {
    moat::config::Smtp cfg;
    cfg.hostname = "mx.test";
    cfg.command_timeout = std::chrono::seconds(5);
    cfg.data_timeout = std::chrono::seconds(5);
    cfg.max_recipients = 3;
    cfg.max_errors = 4;
    cfg.max_hops = 3;
    cfg.max_message_size = 10000;
    return cfg;
}

// Runs one session for script; returns everything the server wrote.
std::string converse(const std::string& script, RecordingHandler& handler, const moat::config::Smtp& cfg = testConfig()) {
    Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
    Poco::Net::StreamSocket client;
    client.connect(listener.address());
    auto server_side = listener.acceptConnection();
    std::thread session_thread([&] {
        moat::smtp::Session session(cfg, nullptr, std::make_unique<moat::net::Connection>(server_side), handler);
        session.run();
    });
    // Wait for the greeting before the script, so it is not taken for early talk.
    std::string out;
    char buf[4096];
    client.setReceiveTimeout(Poco::Timespan(10, 0));
    while (out.find("\r\n") == std::string::npos) {
        int n = client.receiveBytes(buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    if (!script.empty()) client.sendBytes(script.data(), static_cast<int>(script.size()));
    client.shutdownSend();
    for (;;) {
        int n = client.receiveBytes(buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    session_thread.join();
    return out;
}

std::vector<std::string> replies(const std::string& out) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < out.size()) {
        auto nl = out.find("\r\n", pos);
        if (nl == std::string::npos) break;
        std::string line = out.substr(pos, nl - pos);
        if (line.size() < 4 || line[3] != '-') lines.push_back(line);  // last line of each reply
        pos = nl + 2;
    }
    return lines;
}

bool starts(const std::string& line, std::string_view prefix) { return line.rfind(prefix, 0) == 0; }

TEST(SmtpSession, AcceptedMessageIsStreamedUnstuffedAndAnsweredByTheHandler) {
    RecordingHandler h;
    auto out = converse(
        "EHLO client.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@ours.test>\r\nDATA\r\n"
        "Subject: hi\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n",
        h);
    auto r = replies(out);
    ASSERT_EQ(r.size(), 7u) << out;
    EXPECT_TRUE(starts(r[0], "220 mx.test ESMTP"));
    EXPECT_TRUE(starts(r[1], "250 SMTPUTF8"));
    EXPECT_TRUE(starts(r[4], "354"));
    EXPECT_EQ(r[5], "250 2.0.0 Ok: queued as TEST");
    EXPECT_TRUE(starts(r[6], "221"));
    EXPECT_EQ(h.message, "Subject: hi\r\n\r\n.dot\r\nbody\r\n");
    EXPECT_EQ(h.count("message received " + std::to_string(h.message.size())), 1);
    EXPECT_EQ(h.count("ended"), 0);  // the message ended the transaction; QUIT found none open
    EXPECT_EQ(h.calls.back(), "closed");
}

TEST(SmtpSession, ProtocolRefusalsNeverReachTheHandlersDecision) {
    RecordingHandler h;
    auto out = converse(
        "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@ours.test>\r\nDATA\r\nSubject: x\r\n\r\nbare\nlf\r\n.\r\n"
        "MAIL FROM:<a@b.test>\r\nRCPT TO:<x@ours.test>\r\nDATA\r\n"
        "Received: a\r\nReceived: b\r\nReceived: c\r\nReceived: d\r\n\r\nloop\r\n.\r\nQUIT\r\n",
        h);
    auto r = replies(out);
    ASSERT_GE(r.size(), 10u) << out;
    EXPECT_TRUE(starts(r[5], "550 5.5.2 Message refused: bare <LF>")) << r[5];
    EXPECT_TRUE(starts(r[9], "554 5.4.6 Message refused: too many hops (4")) << r[9];
    EXPECT_EQ(h.count("message refused 550 5.5.2"), 1);
    EXPECT_EQ(h.count("message refused 554 5.4.6"), 1);
    EXPECT_EQ(h.count("message received"), 0);
}

TEST(SmtpSession, OversizeMessageIsReadToItsEndAndRefusedOnce) {
    RecordingHandler h;
    std::string body(200, 'x');
    std::string data;
    for (int i = 0; i < 60; ++i) data += body + "\r\n";
    auto out = converse("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@ours.test>\r\nDATA\r\n" + data + ".\r\nNOOP\r\n", h);
    auto r = replies(out);
    ASSERT_EQ(r.size(), 7u) << out;
    EXPECT_TRUE(starts(r[5], "552 5.3.4 Message size exceeds fixed limit of 10000")) << r[5];
    EXPECT_TRUE(starts(r[6], "250 2.0.0 Ok"));  // the NOOP after the real end is a command again
}

TEST(SmtpSession, RefusedRecipientsAreReportedAndNoValidRecipientEndsTheTransaction) {
    RecordingHandler h;
    h.refuse_rcpt = "ghost";
    auto out = converse("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<ghost@ours.test>\r\nRCPT TO:<bad address>\r\nDATA\r\nQUIT\r\n", h);
    auto r = replies(out);
    ASSERT_EQ(r.size(), 7u) << out;
    EXPECT_TRUE(starts(r[3], "550 5.1.1"));
    EXPECT_TRUE(starts(r[4], "5"));  // syntax
    EXPECT_EQ(r[5], "554 5.5.1 Error: no valid recipients");
    EXPECT_EQ(h.count("refused ghost@ours.test 550"), 1);
    EXPECT_EQ(h.count("refused ? 5"), 1);
    EXPECT_EQ(h.count("ended rejected "), 1);  // with the last refusal as its reason
    EXPECT_EQ(h.count("begin"), 0);
}

TEST(SmtpSession, RefusalsBeyondTheRecipientLimitAreErrorsThatEndTheSession) {
    RecordingHandler h;
    h.refuse_rcpt = "ghost";
    std::string script = "EHLO c\r\nMAIL FROM:<a@b.test>\r\n";
    for (int i = 0; i < 20; ++i) script += "RCPT TO:<ghost@ours.test>\r\n";
    auto out = converse(script, h);
    auto r = replies(out);
    // max_recipients 3, max_errors 4: refusals 4..7 are errors, the 7th ends the session.
    ASSERT_EQ(r.size(), 3u + 7u + 1u) << out;
    EXPECT_TRUE(starts(r.back(), "421 4.7.0 mx.test Error: too many errors"));
    EXPECT_EQ(h.count("rcpt"), 7);
}

TEST(SmtpSession, RecipientsBeyondTheLimitAre452AndDuplicatesCountOnce) {
    RecordingHandler h;
    auto out = converse(
        "EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<a@ours.test>\r\nRCPT TO:<A@ours.test>\r\nRCPT TO:<a@ours.test>\r\n"
        "RCPT TO:<b@ours.test>\r\nRCPT TO:<c@ours.test>\r\nRCPT TO:<d@ours.test>\r\nRSET\r\n",
        h);
    auto r = replies(out);
    ASSERT_EQ(r.size(), 10u) << out;
    EXPECT_TRUE(starts(r[8], "452 4.5.3 Error: too many recipients"));
    EXPECT_EQ(h.count("ended aborted RSET"), 1);
}

TEST(SmtpSession, SmtpUtf8InsideAQuotedLocalPartIsNotTheParameter) {
    RecordingHandler h;
    auto out = converse("EHLO c\r\nMAIL FROM:<\"x SMTPUTF8 j\xc3\xb6s\xc3\xa9\"@b.test>\r\n"
                        "MAIL FROM:<\"j\xc3\xb6s\xc3\xa9\"@b.test> SMTPUTF8\r\n",
                        h);
    auto r = replies(out);
    ASSERT_EQ(r.size(), 4u) << out;
    EXPECT_TRUE(starts(r[2], "553 5.6.7"));
    EXPECT_TRUE(starts(r[3], "250 2.1.0"));
    EXPECT_EQ(h.count("mail"), 1);
}

TEST(SmtpSession, CommandsOutOfOrderAndUnknownVerbsAreErrors) {
    RecordingHandler h;
    auto out = converse("MAIL FROM:<a@b.test>\r\nEHLO c\r\nRCPT TO:<x@ours.test>\r\nDATA\r\nFOO\r\n", h);
    auto r = replies(out);
    ASSERT_EQ(r.size(), 7u) << out;
    EXPECT_TRUE(starts(r[1], "503 5.5.1 Error: send HELO/EHLO first"));
    EXPECT_TRUE(starts(r[3], "503 5.5.1 Error: need MAIL command"));
    EXPECT_TRUE(starts(r[4], "503"));
    EXPECT_TRUE(starts(r[5], "500 5.5.1 Error: command not recognized"));
    EXPECT_TRUE(starts(r[6], "421 4.7.0 mx.test Error: too many errors"));
}

TEST(SmtpSession, PipeliningBeforeItWasOfferedIsReportedAsBehaviour) {
    RecordingHandler h;
    converse("HELO c\r\nMAIL FROM:<a@b.test>\r\nQUIT\r\n", h);
    EXPECT_EQ(h.count("behaviour sent commands after HELO without waiting for the reply"), 1);
}

TEST(SmtpSession, TheHandlerCanRefuseAtConnectAndShutTheSessionOut) {
    RecordingHandler refused;
    refused.admit_refused = true;
    auto out = converse("", refused);
    EXPECT_EQ(replies(out), std::vector<std::string>{"421 4.7.0 go away"});
    EXPECT_EQ(refused.calls.back(), "closed");

    RecordingHandler shut;
    shut.shut_out_after_mail = moat::smtp::ShutOut{"too many rejected commands", moat::mail::reply(421, "4.7.0", "later")};
    out = converse("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@ours.test>\r\n", shut);
    auto r = replies(out);
    ASSERT_EQ(r.size(), 4u) << out;
    EXPECT_EQ(r[3], "421 4.7.0 later");
    EXPECT_EQ(shut.count("ended aborted rate limit: too many rejected commands"), 1);
    EXPECT_EQ(shut.count("rcpt"), 0);
}

TEST(SmtpSession, ALostConnectionEndsTheOpenTransaction) {
    RecordingHandler h;
    converse("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@ours.test>\r\nDATA\r\nSubject: cut\r\n", h);
    EXPECT_EQ(h.count("begin 1"), 1);
    EXPECT_EQ(h.count("ended aborted connection lost during DATA"), 1);
    EXPECT_EQ(h.count("message"), 0);
}

}  // namespace
