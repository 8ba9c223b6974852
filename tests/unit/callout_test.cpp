// SMTP callouts and recipient validation against a real SMTP server started in
// the test (a loopback listener that knows its users): verdicts, the memory
// and store caches, flush through the generation, one connection for
// concurrent questions, failure memory and timeouts; then the RCPT-time
// decisions of validateRecipient for each combination of settings.
#include "policy/callout.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "policy/recipient_validation.h"
#include "store/callout_cache.h"
#include "store/domains.h"
#include "store/store.h"
#include "temp_dir.h"

namespace store = moat::store;
using moat::policy::Callout;
using namespace std::chrono_literals;

namespace {

// A mailbox server on 127.0.0.1: 250 for users, 550 5.1.1 for others, 451
// for `busy`; greets with 421 when refusing, or never when mute.
class UserServer {
  public:
    explicit UserServer(std::set<std::string> users) : users_(std::move(users)) {
        socket_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
        socket_.listen(16);
        thread_ = std::thread([this] { acceptLoop(); });
    }
    ~UserServer() {
        stopping_ = true;
        Poco::Net::StreamSocket wake;
        try {
            wake.connect(socket_.address(), Poco::Timespan(1, 0));
        } catch (const Poco::Exception&) {
        }
        thread_.join();
        for (auto& t : sessions_) t.join();
    }
    std::uint16_t port() const { return socket_.address().port(); }
    int connections() const { return connections_; }
    int rcpts() const { return rcpts_; }

    std::chrono::milliseconds rcpt_delay{0};
    bool refuse = false, mute = false;
    std::string busy;

  private:
    void acceptLoop() {
        while (!stopping_) {
            Poco::Net::StreamSocket s = socket_.acceptConnection();
            if (stopping_) break;
            ++connections_;
            sessions_.emplace_back([this, s]() mutable { serve(s); });
        }
    }
    void serve(Poco::Net::StreamSocket s) {
        s.setReceiveTimeout(Poco::Timespan(5, 0));
        auto say = [&](const std::string& line) {
            std::string out = line + "\r\n";
            s.sendBytes(out.data(), static_cast<int>(out.size()));
        };
        try {
            if (mute) {
                std::this_thread::sleep_for(1500ms);
                return;
            }
            if (refuse) return say("421 4.3.2 not now");
            say("220 users.test ESMTP");
            std::string buf;
            char chunk[1024];
            for (;;) {
                auto nl = buf.find('\n');
                if (nl == std::string::npos) {
                    int n = s.receiveBytes(chunk, sizeof chunk);
                    if (n <= 0) return;
                    buf.append(chunk, static_cast<std::size_t>(n));
                    continue;
                }
                std::string line = buf.substr(0, nl);
                buf.erase(0, nl + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                std::string verb = line.substr(0, 4);
                if (verb == "EHLO") {
                    say("250-users.test\r\n250 ENHANCEDSTATUSCODES");
                } else if (verb == "MAIL") {
                    say(line == "MAIL FROM:<>" ? "250 2.1.0 Ok"
                                               : "501 5.1.7 expected the null sender");
                } else if (verb == "RCPT") {
                    ++rcpts_;
                    std::this_thread::sleep_for(rcpt_delay);
                    std::string address = line.substr(9, line.size() - 10);
                    if (address == busy)
                        say("451 4.3.0 <" + address + ">: try again");
                    else if (users_.count(address))
                        say("250 2.1.5 Ok");
                    else
                        say("550 5.1.1 <" + address + ">: User unknown in local recipient table");
                } else if (verb == "QUIT") {
                    return say("221 2.0.0 Bye");
                } else {
                    say("502 5.5.2 unknown command");
                }
            }
        } catch (const Poco::Exception&) {
        }
    }

    std::set<std::string> users_;
    Poco::Net::ServerSocket socket_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0}, rcpts_{0};
    std::thread thread_;
    std::vector<std::thread> sessions_;  // joined at destruction
};

class CalloutTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
    }
    void TearDown() override {
        store_.reset();
    }
    store::Domain domain(std::uint16_t port) {
        store::Domain d;
        d.id = 1;
        d.name = "ours.test";
        d.backend_host = "127.0.0.1";
        d.backend_port = port;
        return d;
    }
    Callout::Options options() {
        Callout::Options o;
        o.helo_name = "mx.moat.test";
        o.connect_timeout = 1000ms;
        o.command_timeout = 500ms;
        o.failure_memory = 30s;
        return o;
    }
    Callout::Result verify(Callout& c, const store::Domain& d, const std::string& a,
                           long long gen = 1) {
        return c.verify(a, d, std::chrono::seconds(3600), std::chrono::seconds(600), gen);
    }

    moat::test::TempDir dir_{"moat-callout"};
    std::unique_ptr<store::Store> store_;
};

TEST_F(CalloutTest, VerdictsAndTheBackendsReply) {
    UserServer server({"jane@ours.test"});
    server.busy = "busy@ours.test";
    Callout callout(*store_, options());
    auto d = domain(server.port());

    auto r = verify(callout, d, "jane@ours.test");
    EXPECT_EQ(r.verdict, Callout::Verdict::valid);
    EXPECT_FALSE(r.cached);
    r = verify(callout, d, "ghost@ours.test");
    EXPECT_EQ(r.verdict, Callout::Verdict::invalid);
    EXPECT_EQ(r.reply, "550 5.1.1 <ghost@ours.test>: User unknown in local recipient table");
    r = verify(callout, d, "busy@ours.test");
    EXPECT_EQ(r.verdict, Callout::Verdict::unknown);
    EXPECT_NE(r.reply.find("451 4.3.0"), std::string::npos);
    EXPECT_EQ(server.rcpts(), 3);

    // Definite answers are cached, in memory and in the store; unknown ones are not.
    EXPECT_TRUE(verify(callout, d, "Jane@Ours.Test").cached);
    EXPECT_TRUE(verify(callout, d, "ghost@ours.test").cached);
    EXPECT_EQ(verify(callout, d, "busy@ours.test").verdict, Callout::Verdict::unknown);
    EXPECT_EQ(server.rcpts(), 4);
    auto session = store_->connect();
    auto row = store::findCalloutEntry(session, "ghost@ours.test");
    ASSERT_TRUE(row);
    EXPECT_FALSE(row->valid);
    EXPECT_EQ(row->expires - row->checked, 600);
    EXPECT_EQ(store::findCalloutEntry(session, "jane@ours.test")->expires -
                  store::findCalloutEntry(session, "jane@ours.test")->checked,
              3600);
    EXPECT_FALSE(store::findCalloutEntry(session, "busy@ours.test"));

    // A new instance (a restarted daemon) answers from the store.
    Callout restarted(*store_, options());
    EXPECT_TRUE(verify(restarted, d, "jane@ours.test").cached);
    EXPECT_EQ(server.rcpts(), 4);

    // A flush bumps the generation; answers remembered under the old one are re-read.
    store::flushCalloutEntries(session, "jane@ours.test");
    EXPECT_TRUE(verify(callout, d, "ghost@ours.test", 2).cached);
    auto again = verify(callout, d, "jane@ours.test", 2);
    EXPECT_FALSE(again.cached);
    EXPECT_EQ(again.verdict, Callout::Verdict::valid);
    EXPECT_EQ(server.rcpts(), 5);
}

TEST_F(CalloutTest, ConcurrentQuestionsShareOneConnection) {
    UserServer server({"jane@ours.test"});
    server.rcpt_delay = 300ms;
    Callout callout(*store_, options());
    auto d = domain(server.port());
    std::vector<std::thread> threads;
    std::atomic<int> valid{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            if (verify(callout, d, "jane@ours.test").verdict == Callout::Verdict::valid) ++valid;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(valid, 8);
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(server.rcpts(), 1);
}

TEST_F(CalloutTest, OtherAddressesAreNotHeldUpBySlowOnes) {
    UserServer server({"jane@ours.test", "john@ours.test"});
    server.rcpt_delay = 400ms;
    Callout callout(*store_, options());
    auto d = domain(server.port());
    std::thread slow([&] { verify(callout, d, "jane@ours.test"); });
    std::this_thread::sleep_for(50ms);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(verify(callout, d, "john@ours.test").verdict, Callout::Verdict::valid);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 700ms);  // in parallel, not after jane's
    slow.join();
    EXPECT_EQ(server.connections(), 2);
}

TEST_F(CalloutTest, AnUnreachableBackendIsRememberedNotHammered) {
    std::uint16_t port;
    {
        UserServer gone({});
        port = gone.port();
    }
    Callout callout(*store_, options());
    auto d = domain(port);
    auto r = verify(callout, d, "jane@ours.test");
    EXPECT_EQ(r.verdict, Callout::Verdict::unknown);
    EXPECT_FALSE(r.cached);
    EXPECT_NE(r.reply.find("connect to 127.0.0.1"), std::string::npos) << r.reply;
    r = verify(callout, d, "other@ours.test");
    EXPECT_EQ(r.verdict, Callout::Verdict::unknown);
    EXPECT_TRUE(r.cached);
    EXPECT_NE(r.reply.find("not asked again"), std::string::npos) << r.reply;
}

TEST_F(CalloutTest, RefusingAndMuteBackendsGiveUnknownWithinTheTimeouts) {
    UserServer refusing({"jane@ours.test"});
    refusing.refuse = true;
    Callout callout(*store_, options());
    auto r = verify(callout, domain(refusing.port()), "jane@ours.test");
    EXPECT_EQ(r.verdict, Callout::Verdict::unknown);
    EXPECT_NE(r.reply.find("refused to talk to me: not now"), std::string::npos) << r.reply;

    UserServer mute({"jane@ours.test"});
    mute.mute = true;
    auto start = std::chrono::steady_clock::now();
    r = verify(callout, domain(mute.port()), "jane@ours.test");
    EXPECT_EQ(r.verdict, Callout::Verdict::unknown);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

// --- validateRecipient: the decision for each combination of settings -------

struct Row {
    const char* list;  // validation.list
    const char* smtp;  // validation.smtp
    const char* reject;
    const char* rcpt;
    int code;              // 0: accepted
    const char* enhanced;  // of the refusal
    const char* result;    // the "validation" check's result; "" when none is recorded
    const char* words;     // in the reply (or the detail when accepted)
};

TEST_F(CalloutTest, ValidateRecipientTable) {
    UserServer server({"jane@ours.test", "listed@ours.test"});
    server.busy = "busy@ours.test";
    std::uint16_t down_port;
    {
        UserServer gone({});
        down_port = gone.port();
    }
    const Row rows[] = {
        {"no", "no", "yes", "ghost@ours.test", 0, "", "", ""},
        {"yes", "no", "no", "listed@ours.test", 0, "", "pass", "is in the list"},
        {"yes", "no", "no", "ghost@ours.test", 0, "", "unverified", "not in the list"},
        {"yes", "no", "yes", "Listed@Ours.Test", 0, "", "pass", "is in the list"},
        {"yes", "no", "yes", "ghost@ours.test", 550, "5.1.1", "reject",
         "unknown user (not in the list of valid addresses of ours.test)"},
        {"no", "yes", "no", "jane@ours.test", 0, "", "pass", "accepts"},
        {"no", "yes", "no", "ghost@ours.test", 550, "5.1.1", "reject",
         "Recipient address rejected: unknown user"},
        {"no", "yes", "yes", "ghost@ours.test", 550, "5.1.1", "reject", "unknown user"},
        {"no", "yes", "yes", "busy@ours.test", 450, "4.1.1", "tempfail",
         "cannot reach the mail server of ours.test"},
        {"no", "yes", "no", "busy@ours.test", 0, "", "unverified", "could not verify"},
        {"yes", "yes", "yes", "listed@ours.test", 0, "", "pass", "is in the list"},
        {"yes", "yes", "yes", "jane@ours.test", 0, "", "pass", "accepts"},
        {"yes", "yes", "no", "ghost@ours.test", 550, "5.1.1", "reject", "unknown user"},
    };
    Callout callout(*store_, options());
    for (const auto& row : rows) {
        SCOPED_TRACE(std::string(row.list) + "/" + row.smtp + "/" + row.reject + " " + row.rcpt);
        moat::policy::PolicySnapshot snap;
        snap.settings =
            moat::policy::Settings({}, {{"ours.test",
                                         {{"validation.list", row.list},
                                          {"validation.smtp", row.smtp},
                                          {"validation.reject_nonvalidated", row.reject}}}});
        snap.valid_addresses = {"listed@ours.test"};
        auto rcpt = moat::mail::parseMailbox(row.rcpt, false);
        ASSERT_TRUE(rcpt);
        std::vector<moat::policy::CheckRecord> checks;
        auto refusal =
            moat::policy::validateRecipient(snap, domain(server.port()), *rcpt, callout, checks);
        if (row.code == 0) {
            EXPECT_FALSE(refusal) << refusal->code << " " << refusal->text;
        } else {
            ASSERT_TRUE(refusal);
            EXPECT_EQ(refusal->code, row.code);
            EXPECT_EQ(refusal->enhanced, row.enhanced);
            EXPECT_NE(refusal->text.find(row.words), std::string::npos) << refusal->text;
        }
        if (*row.result == 0) {
            EXPECT_TRUE(checks.empty());
            continue;
        }
        ASSERT_EQ(checks.size(), 1u);
        EXPECT_EQ(checks[0].check, "validation");
        EXPECT_EQ(checks[0].result.name(), row.result);
        if (row.code == 0) {
            EXPECT_NE(checks[0].detail.find(row.words), std::string::npos) << checks[0].detail;
        }
    }

    // The backend is down: 450 with reject_nonvalidated, accepted without.
    moat::policy::PolicySnapshot snap;
    snap.settings = moat::policy::Settings(
        {{"validation.smtp", "yes"}, {"validation.reject_nonvalidated", "yes"}}, {});
    auto rcpt = *moat::mail::parseMailbox("new@ours.test", false);
    std::vector<moat::policy::CheckRecord> checks;
    auto refusal = moat::policy::validateRecipient(snap, domain(down_port), rcpt, callout, checks);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->code, 450);
    EXPECT_EQ(refusal->enhanced, "4.1.1");
    snap.settings = moat::policy::Settings({{"validation.smtp", "yes"}}, {});
    EXPECT_FALSE(moat::policy::validateRecipient(snap, domain(down_port), rcpt, callout, checks));
    EXPECT_EQ(checks.back().result.name(), "unverified");
}

}  // namespace
