// The setup wizard's message-path check: queue::sendTestMessage and the
// SmtpClient transcript it relies on, against a scripted SMTP backend on
// loopback (the steps, in order, with and without PIPELINING; a refused
// recipient; no listener; a mute one), and POST /domains/{id}/test-message:
// the answer, escaping of the backend's bytes, the recipient's validation
// (422), who may use it, the audit row.
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api_test_support.h"
#include "queue/smtp_client.h"
#include "queue/test_message.h"

namespace moat {
namespace {

using namespace std::chrono_literals;

// One SMTP server on 127.0.0.1 that answers from a script: EHLO (with or
// without PIPELINING), MAIL, RCPT (rcpt_reply), DATA, the message
// (end_reply), RSET, QUIT. Keeps the commands and the message it received.
class ScriptedBackend {
  public:
    std::string greeting = "220 backend.test ESMTP";
    std::string rcpt_reply = "250 2.1.5 Ok";
    std::string end_reply = "250 2.0.0 Ok: queued as 4711";
    bool pipelining = false;
    bool mute = false;

    ScriptedBackend() {
        socket_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
        socket_.listen(4);
        thread_ = std::thread([this] { acceptLoop(); });
    }
    ~ScriptedBackend() {
        stopping_ = true;
        Poco::Net::StreamSocket wake;
        try {
            wake.connect(socket_.address(), Poco::Timespan(1, 0));
        } catch (const Poco::Exception&) {
        }
        thread_.join();
    }
    std::uint16_t port() const { return socket_.address().port(); }
    std::vector<std::string> commands() {
        std::lock_guard lock(mutex_);
        return commands_;
    }
    std::string message() {
        std::lock_guard lock(mutex_);
        return message_;
    }

  private:
    void acceptLoop() {
        while (!stopping_) {
            Poco::Net::StreamSocket s = socket_.acceptConnection();
            if (stopping_) break;
            try {
                serve(s);
            } catch (const Poco::Exception&) {
            }
        }
    }
    void serve(Poco::Net::StreamSocket& s) {
        s.setReceiveTimeout(Poco::Timespan(3, 0));
        auto say = [&](const std::string& text) {
            std::string out = text + "\r\n";
            s.sendBytes(out.data(), static_cast<int>(out.size()));
        };
        if (mute) {
            std::this_thread::sleep_for(1s);
            return;
        }
        say(greeting);
        std::string buf;
        bool in_data = false;
        char chunk[4096];
        for (;;) {
            auto nl = buf.find('\n');
            if (nl == std::string::npos) {
                int n = s.receiveBytes(chunk, sizeof chunk);
                if (n <= 0) return;
                buf.append(chunk, static_cast<std::size_t>(n));
                continue;
            }
            std::string line = buf.substr(0, nl + 1);
            buf.erase(0, nl + 1);
            if (in_data) {
                if (line == ".\r\n") {
                    in_data = false;
                    say(end_reply);
                } else {
                    std::lock_guard lock(mutex_);
                    message_ += line;
                }
                continue;
            }
            line.erase(line.find_last_not_of("\r\n") + 1);
            {
                std::lock_guard lock(mutex_);
                commands_.push_back(line);
            }
            std::string verb = line.substr(0, 4);
            if (verb == "EHLO")
                say(pipelining ? "250-backend.test\r\n250-PIPELINING\r\n250 8BITMIME"
                               : "250-backend.test\r\n250 8BITMIME");
            else if (verb == "MAIL")
                say("250 2.1.0 Ok");
            else if (verb == "RCPT")
                say(rcpt_reply);
            else if (verb == "DATA") {
                if (rcpt_reply[0] == '2') {
                    in_data = true;
                    say("354 End data with <CR><LF>.<CR><LF>");
                } else {
                    say("554 5.5.1 Error: no valid recipients");
                }
            } else if (verb == "RSET")
                say("250 2.0.0 Ok");
            else if (verb == "QUIT")
                return say("221 2.0.0 Bye");
            else
                say("502 5.5.2 Error: command not recognized");
        }
    }

    Poco::Net::ServerSocket socket_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> commands_;
    std::string message_;
};

queue::TestMessageRequest requestTo(std::uint16_t port) {
    queue::TestMessageRequest r;
    r.host = "127.0.0.1";
    r.port = port;
    r.helo_name = "mx.gateway.test";
    r.sender = "postmaster@mx.gateway.test";
    r.recipient = "postmaster@ours.test";
    r.requested_by = "root";
    r.timeout = 2000ms;
    return r;
}

std::vector<std::string> stepNames(const std::vector<queue::DialogueStep>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.step + " " + std::to_string(s.reply.code));
    return out;
}

TEST(TestMessage, EveryStepOfTheDialogueInOrder) {
    ScriptedBackend backend;
    auto result = queue::sendTestMessage(requestTo(backend.port()));
    EXPECT_TRUE(result.delivered);
    EXPECT_EQ(result.outcome.code, 250);
    EXPECT_EQ(result.outcome.text, "Ok: queued as 4711");
    EXPECT_EQ(result.address, "127.0.0.1:" + std::to_string(backend.port()));
    EXPECT_EQ(stepNames(result.steps),
              (std::vector<std::string>{"connect 220", "EHLO 250", "MAIL 250", "RCPT 250",
                                        "DATA 354", "end of data 250", "QUIT 221"}));
    EXPECT_EQ(result.steps[0].reply.text, "backend.test ESMTP");
    EXPECT_EQ(result.steps[1].sent, "EHLO mx.gateway.test");
    EXPECT_EQ(result.steps[1].reply.text, "backend.test\n8BITMIME");
    EXPECT_EQ(result.steps[3].sent, "RCPT TO:<postmaster@ours.test>");
    EXPECT_EQ(result.steps[3].reply.enhanced, "2.1.5");
    auto commands = backend.commands();
    ASSERT_GE(commands.size(), 2u);
    EXPECT_EQ(commands[1].rfind("MAIL FROM:<postmaster@mx.gateway.test>", 0), 0u);
    auto message = backend.message();
    EXPECT_NE(message.find("Subject: Moat test message\r\n"), std::string::npos);
    EXPECT_NE(message.find("To: <postmaster@ours.test>\r\n"), std::string::npos);
    EXPECT_NE(message.find("Auto-Submitted: auto-generated\r\n"), std::string::npos);
    EXPECT_NE(message.find("by root"), std::string::npos);
}

TEST(TestMessage, PipeliningKeepsTheRepliesWithTheirCommands) {
    ScriptedBackend backend;
    backend.pipelining = true;
    auto result = queue::sendTestMessage(requestTo(backend.port()));
    EXPECT_TRUE(result.delivered);
    EXPECT_EQ(stepNames(result.steps),
              (std::vector<std::string>{"connect 220", "EHLO 250", "MAIL 250", "RCPT 250",
                                        "DATA 354", "end of data 250", "QUIT 221"}));
}

TEST(TestMessage, ARefusedRecipientEndsTheTransaction) {
    ScriptedBackend backend;
    backend.rcpt_reply = "550 5.1.1 <postmaster@ours.test>: Recipient address rejected";
    auto result = queue::sendTestMessage(requestTo(backend.port()));
    EXPECT_FALSE(result.delivered);
    EXPECT_EQ(result.outcome.code, 550);
    EXPECT_EQ(stepNames(result.steps),
              (std::vector<std::string>{"connect 220", "EHLO 250", "MAIL 250", "RCPT 550",
                                        "RSET 250", "QUIT 221"}));
}

TEST(TestMessage, ARefusingGreetingIsTheOutcome) {
    ScriptedBackend backend;
    backend.greeting = "554 5.3.2 not accepting mail from you";
    auto result = queue::sendTestMessage(requestTo(backend.port()));
    EXPECT_FALSE(result.delivered);
    EXPECT_EQ(stepNames(result.steps), (std::vector<std::string>{"connect 554"}));
    EXPECT_EQ(result.outcome.code, 554);
    EXPECT_EQ(result.outcome.text, "not accepting mail from you");
}

TEST(TestMessage, NoListenerAndNoGreetingAreStepsWithoutAReply) {
    std::uint16_t closed;
    {
        Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
        closed = probe.address().port();
    }
    auto refused = queue::sendTestMessage(requestTo(closed));
    EXPECT_FALSE(refused.delivered);
    ASSERT_EQ(refused.steps.size(), 1u);
    EXPECT_EQ(refused.steps[0].step, "connect");
    EXPECT_EQ(refused.steps[0].reply.code, 0);
    EXPECT_NE(refused.steps[0].reply.text.find("failed"), std::string::npos);
    EXPECT_EQ(refused.address, "");
    EXPECT_EQ(refused.outcome.code, 0) << "no reply came: no stand-in 4xx";
    EXPECT_EQ(refused.outcome.text, refused.steps[0].reply.text);

    ScriptedBackend mute;
    mute.mute = true;
    auto request = requestTo(mute.port());
    request.timeout = 300ms;
    auto silent = queue::sendTestMessage(request);
    EXPECT_FALSE(silent.delivered);
    ASSERT_EQ(silent.steps.size(), 1u);
    EXPECT_EQ(silent.steps[0].step, "connect");
    EXPECT_EQ(silent.steps[0].reply.code, 0);
    EXPECT_EQ(silent.steps[0].reply.text, "no reply within 300 ms");
}

TEST(TestMessage, NoTranscriptUnlessAskedAndTheTextIsDotStuffed) {
    ScriptedBackend backend;
    queue::ClientOptions options;
    options.helo_name = "mx.gateway.test";
    options.connect_timeout = options.command_timeout = 2000ms;
    mail::Reply failure;
    auto client = queue::SmtpClient::connect(Poco::Net::SocketAddress("127.0.0.1", backend.port()),
                                             "127.0.0.1", options, failure);
    ASSERT_TRUE(client) << failure.text;
    auto sent = client->sendText("a@mx.gateway.test", {"b@ours.test"},
                                 "Subject: dots\r\n\r\n.hidden line\r\n..two\r\nend");
    ASSERT_EQ(sent.recipients.size(), 1u);
    EXPECT_EQ(sent.recipients[0].code, 250);
    client->quit();
    EXPECT_EQ(backend.message(), "Subject: dots\r\n\r\n..hidden line\r\n...two\r\nend\r\n");
}

// --- the API route -----------------------------------------------------------

class TestMessageApi : public testing_api::ApiTest {
  protected:
    void SetUp() override {
        ApiTest::SetUp();
        config_.smtp.hostname = "mx.gateway.test";
    }
    long long domainAt(std::uint16_t port, const std::string& name = "ours.test") {
        return store::addDomain(session(), name, "127.0.0.1", port).id;
    }
};

TEST_F(TestMessageApi, SendsToPostmasterAndAnswersEachStep) {
    ScriptedBackend backend;
    long long id = domainAt(backend.port());
    auto audit = auditRows();
    auto r = call("POST", "/api/v1/domains/" + std::to_string(id) + "/test-message", "{}");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.object();
    EXPECT_EQ(o->getValue<std::string>("domain"), "ours.test");
    EXPECT_EQ(o->getValue<std::string>("backend"), "127.0.0.1:" + std::to_string(backend.port()));
    EXPECT_EQ(o->getValue<std::string>("from"), "postmaster@mx.gateway.test");
    EXPECT_EQ(o->getValue<std::string>("to"), "postmaster@ours.test");
    EXPECT_TRUE(o->getValue<bool>("delivered"));
    EXPECT_FALSE(o->getValue<bool>("tls"));
    EXPECT_EQ(o->getObject("outcome")->getValue<int>("code"), 250);
    auto steps = o->getArray("steps");
    ASSERT_EQ(steps->size(), 7u);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < steps->size(); ++i)
        names.push_back(steps->getObject(static_cast<unsigned>(i))->getValue<std::string>("step"));
    EXPECT_EQ(names, (std::vector<std::string>{"connect", "EHLO", "MAIL", "RCPT", "DATA",
                                               "end of data", "QUIT"}));
    auto data = steps->getObject(4);
    EXPECT_EQ(data->getValue<int>("code"), 354);
    EXPECT_EQ(data->getValue<std::string>("sent"), "DATA");
    EXPECT_EQ(auditRows(), audit + 1);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'domain.test_message' AND "
                     "target = 'ours.test' AND detail LIKE 'to postmaster@ours.test via %: "
                     "delivered (250 %'"),
              1);
}

TEST_F(TestMessageApi, TheBackendsBytesAreEscaped) {
    ScriptedBackend backend;
    backend.rcpt_reply =
        "550-5.1.1 <script>alert(1)</script>\x01\x1b[31m\xff\r\n550 5.1.1 second line";
    long long id = domainAt(backend.port());
    auto r = call("POST", "/api/v1/domains/" + std::to_string(id) + "/test-message",
                  R"({"to": "Someone@OURS.test"})");
    ASSERT_EQ(r.status, 200) << r.body;
    for (unsigned char c : r.body)
        EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte " << int(c) << " in " << r.body;
    auto o = r.object();
    EXPECT_FALSE(o->getValue<bool>("delivered"));
    EXPECT_EQ(o->getValue<std::string>("to"), "Someone@ours.test");
    auto rcpt = o->getArray("steps")->getObject(3);
    EXPECT_EQ(rcpt->getValue<int>("code"), 550);
    EXPECT_EQ(rcpt->getValue<std::string>("text"),
              "<script>alert(1)</script>\\x01\\x1b[31m\\xff\n5.1.1 second line");
}

TEST_F(TestMessageApi, ABackendThatIsNotThereIsAnAnswerNotAnError) {
    std::uint16_t closed;
    {
        Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
        closed = probe.address().port();
    }
    long long id = domainAt(closed);
    auto r = call("POST", "/api/v1/domains/" + std::to_string(id) + "/test-message", "{}");
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.object();
    EXPECT_FALSE(o->getValue<bool>("delivered"));
    auto step = o->getArray("steps")->getObject(0);
    EXPECT_EQ(step->getValue<std::string>("step"), "connect");
    EXPECT_TRUE(step->isNull("code"));
    EXPECT_TRUE(o->getObject("outcome")->isNull("code"));
    EXPECT_NE(step->getValue<std::string>("text").find("failed"), std::string::npos);
}

TEST_F(TestMessageApi, TheRecipientIsAMailboxOfTheDomain) {
    long long id = domainAt(9);  // never reached: every body here is refused first
    std::string path = "/api/v1/domains/" + std::to_string(id) + "/test-message";
    auto audit = auditRows();
    for (const char* body :
         {R"({"to": "someone@other.test"})", R"({"to": "not an address"})",
          R"({"to": "a%b@ours.test"})", R"({"to": "\"x@y\"@ours.test"})",
          R"({"to": "user@[127.0.0.1]"})", R"({"to": "<>"})", R"({"to": 42})",
          R"({"to": ["postmaster@ours.test"]})", R"({"to": "a@ours.test", "via": "x"})",
          R"({"to": "x\r\nRCPT TO:<y@other.test>@ours.test"})"}) {
        auto r = call("POST", path, body);
        EXPECT_EQ(r.status, 422) << body << " → " << r.body;
    }
    std::string long_local(250, 'a');
    EXPECT_EQ(call("POST", path, R"({"to": ")" + long_local + R"(@ours.test"})").status, 422);
    EXPECT_EQ(auditRows(), audit);
}

TEST_F(TestMessageApi, AdministratorsOnlyAndKnownDomainsOnly) {
    long long id = domainAt(9);
    std::string path = "/api/v1/domains/" + std::to_string(id) + "/test-message";
    EXPECT_EQ(call("POST", path, domainAdmin({{id, "ours.test"}}), "{}").status, 403);
    EXPECT_EQ(call("POST", "/api/v1/domains/999/test-message", "{}").status, 404);
    EXPECT_EQ(call("GET", path).status, 405);
}

}  // namespace
}  // namespace moat
