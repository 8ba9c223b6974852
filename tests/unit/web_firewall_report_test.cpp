// moat-webui reports offenders to moat-firewall (issue 12): an address that
// has used up its console login attempts and still tries is reported once
// (not a maintenance address, not loopback), with the reason console-login
// and firewall.block_time; the login answer never waits for the firewall —
// a firewall that is slow, or not there, costs the login path nothing.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/config.h"
#include "policy/settings.h"
#include "store/login_failures.h"
#include "store/store.h"
#include "temp_dir.h"
#include "web/auth_api.h"
#include "web/firewall_link.h"
#include "web/router.h"

using namespace moat;
using namespace std::chrono_literals;

namespace {

struct FakeFirewall : web::FirewallLink {
    std::vector<std::pair<std::string, std::string>> offenders;
    void reportOffender(const std::string& ip, const std::string& reason) override {
        offenders.emplace_back(ip, reason);
    }
    std::string ask(const firewall::Report&) override { return "ok"; }
};

// A stand-in for moat-firewall's socket: records each request, answers after `delay`.
class SlowFirewall {
  public:
    SlowFirewall(const std::string& path, std::chrono::milliseconds delay)
        : path_(path), delay_(delay) {
        fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(::listen(fd_, 8), 0);
        thread_ = std::thread([this] {
            for (;;) {
                int c = ::accept(fd_, nullptr, nullptr);
                if (c < 0) return;
                char buf[600];
                ssize_t n = ::recv(c, buf, sizeof buf, 0);
                std::this_thread::sleep_for(delay_);
                {
                    std::lock_guard lock(mutex_);
                    requests_.emplace_back(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
                }
                [[maybe_unused]] auto sent = ::send(c, "ok: blocked", 11, MSG_NOSIGNAL);
                ::close(c);
            }
        });
    }
    ~SlowFirewall() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
        ::unlink(path_.c_str());
    }
    std::vector<std::string> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

  private:
    std::string path_;
    std::chrono::milliseconds delay_;
    int fd_ = -1;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> requests_;
};

class WebFirewallReport : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        web::registerAuthApi(router_);
    }
    void TearDown() override {
        store_.reset();
    }
    // A wrong password for a new name each time: only the per-address limit is reached.
    int login(const std::string& ip, web::FirewallLink* firewall) {
        static int serial = 0;
        web::Request r;
        r.method = "POST";
        r.path = "/api/v1/login";
        r.body =
            R"({"name":"guess)" + std::to_string(++serial) + R"(","password":"wrong-password"})";
        r.headers["content-type"] = "application/json";
        r.client_ip = ip;
        web::ApiContext ctx{*store_, config_, firewall};
        return router_.dispatch(r, web::Principal{}, ctx).status;
    }
    // n failed attempts from ip, as the limiter records them (no password is hashed).
    void failedBefore(const std::string& ip, int n) {
        auto session = store_->connect();
        for (int i = 0; i < n; ++i)
            store::reserveLoginAttempt(session, ip, "earlier" + std::to_string(i),
                                       store::nowSeconds(), store::LoginLimits{}, false);
    }
    static bool waitFor(const std::function<bool()>& done) {
        for (int i = 0; i < 100 && !done(); ++i) std::this_thread::sleep_for(50ms);
        return done();
    }

    moat::test::TempDir dir_{"moat-fwr"};
    std::unique_ptr<store::Store> store_;
    config::Config config_;
    web::Router router_;
};

TEST_F(WebFirewallReport, AnAddressThatKeepsFailingIsReportedOnceNotATrustedOne) {
    config_.web.trusted_networks = {"203.0.113.0/24"};
    FakeFirewall firewall;
    const store::LoginLimits limits;
    // All but one of the address's attempts used (as failed logins leave them), then the last.
    failedBefore("198.51.100.7", limits.per_address - 1);
    ASSERT_EQ(login("198.51.100.7", &firewall), 401);
    EXPECT_TRUE(firewall.offenders.empty()) << "failures within the limit are the limiter's";
    EXPECT_EQ(login("198.51.100.7", &firewall), 429);
    ASSERT_EQ(firewall.offenders.size(), 1u);
    EXPECT_EQ(firewall.offenders[0].first, "198.51.100.7");
    EXPECT_EQ(firewall.offenders[0].second.rfind("console-login", 0), 0u)
        << firewall.offenders[0].second;
    // A maintenance address is throttled by the limiter alike, never reported.
    failedBefore("203.0.113.5", limits.per_address);
    EXPECT_EQ(login("203.0.113.5", &firewall), 429);
    EXPECT_EQ(firewall.offenders.size(), 1u);
    // Without a firewall link (tests, tools) the login answers the same.
    EXPECT_EQ(login("198.51.100.7", nullptr), 429);
}

TEST_F(WebFirewallReport, ReportingNeverWaitsForTheFirewall) {
    auto path = (dir_.path / "fw.sock").string();
    {
        auto session = store_->connect();
        policy::setGlobalSetting(session, "firewall.block_time", "900");
    }
    SlowFirewall slow(path, 300ms);
    web::FirewallReporter reporter(path, *store_);
    auto start = std::chrono::steady_clock::now();
    reporter.reportOffender("198.51.100.7", "console-login: test");
    reporter.reportOffender("198.51.100.7", "console-login: test");  // within kQuiet: not again
    reporter.reportOffender("::1", "console-login: test");           // loopback: never
    reporter.reportOffender("not an address", "console-login: test");
    reporter.reportOffender("2001:DB8::7", "console-login: test");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
    ASSERT_TRUE(waitFor([&] { return slow.requests().size() >= 2; }));
    std::this_thread::sleep_for(200ms);
    auto requests = slow.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0], "block 198.51.100.7 900 console-login: test");
    EXPECT_EQ(requests[1], "block 2001:db8::7 900 console-login: test");
}

TEST_F(WebFirewallReport, AFirewallThatIsNotThereCostsNothing) {
    web::FirewallReporter reporter((dir_.path / "absent.sock").string(), *store_);
    auto start = std::chrono::steady_clock::now();
    reporter.reportOffender("198.51.100.8", "console-login: test");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
    EXPECT_THROW(reporter.ask({firewall::Report::Verb::status, "", 0, ""}), std::runtime_error);
}

}  // namespace
