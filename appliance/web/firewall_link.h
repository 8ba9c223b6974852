// moat-webui's way to moat-firewall (firewall/firewall_client.h, over its unix
// socket). Two uses: offenders — an address that keeps failing console logins
// — reported in the background, so the login path only queues the address and
// never waits for, or fails with, the firewall; and the administrator's own
// requests from the System page (block, unblock), answered at once.
// FirewallLink is what the handlers see (web::ApiContext); tests give them a
// fake. Loopback is never reported; maintenance networks are refused by
// moat-firewall itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "firewall/report.h"

namespace moat::store {
class Store;
}

namespace moat::web {

class FirewallLink {
  public:
    virtual ~FirewallLink() = default;
    // Fire and forget: never blocks, never throws. The block lasts the
    // setting firewall.block_time.
    virtual void reportOffender(const std::string& ip, const std::string& reason) = 0;
    // One request and moat-firewall's answer ("ok…", "refused: …", "error: …");
    // throws std::runtime_error when it cannot be reached.
    virtual std::string ask(const firewall::Report& request) = 0;
};

class FirewallReporter : public FirewallLink {
  public:
    // An address is reported at most once per kQuiet; at most kMaxQueued wait.
    static constexpr std::chrono::seconds kQuiet{60};
    static constexpr std::size_t kMaxQueued = 256;
    static constexpr std::chrono::milliseconds kReportTimeout{1000};
    static constexpr std::chrono::milliseconds kAskTimeout{5000};

    FirewallReporter(std::string socket_path, const store::Store& store);
    ~FirewallReporter() override;
    FirewallReporter(const FirewallReporter&) = delete;
    FirewallReporter& operator=(const FirewallReporter&) = delete;

    void reportOffender(const std::string& ip, const std::string& reason) override;
    std::string ask(const firewall::Report& request) override;

  private:
    void run();
    void send(const std::string& ip, const std::string& reason);

    const std::string socket_;
    const store::Store& store_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::pair<std::string, std::string>> queue_;  // (address, reason)
    std::map<std::string, std::chrono::steady_clock::time_point> recent_;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace moat::web
