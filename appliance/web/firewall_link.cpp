#include "web/firewall_link.h"

#include "firewall/firewall_client.h"
#include "net/cidr.h"
#include "policy/settings.h"
#include "store/store.h"
#include "util/log.h"

namespace moat::web {

FirewallReporter::FirewallReporter(std::string socket_path, const store::Store& store)
    : socket_(std::move(socket_path)), store_(store), worker_([this] { run(); }) {}

FirewallReporter::~FirewallReporter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    worker_.join();
}

void FirewallReporter::reportOffender(const std::string& ip, const std::string& reason) {
    auto address = net::parseIp(ip);
    if (!address || address->isLoopback()) return;
    auto key = net::canonicalIp(*address);
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        if (auto it = recent_.find(key); it != recent_.end() && now - it->second < kQuiet) return;
        if (queue_.size() >= kMaxQueued) {
            log::warning("webui: firewall reports are backing up; " + key + " is not reported");
            return;
        }
        if (recent_.size() >= 4 * kMaxQueued)
            std::erase_if(recent_, [&](const auto& kv) { return now - kv.second >= kQuiet; });
        recent_[key] = now;
        queue_.emplace_back(key, reason);
    }
    wake_.notify_one();
}

std::string FirewallReporter::ask(const firewall::Report& request) {
    return firewall::askFirewall(socket_, firewall::formatReport(request), kAskTimeout);
}

void FirewallReporter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        auto [ip, reason] = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        send(ip, reason);
        lock.lock();
    }
}

void FirewallReporter::send(const std::string& ip, const std::string& reason) {
    firewall::Report r;
    r.verb = firewall::Report::Verb::block;
    r.address = ip;
    r.reason = reason.substr(0, firewall::kMaxReason);
    try {
        auto session = store_.connect();
        r.seconds = policy::Settings::load(session).seconds("firewall.block_time").count();
        auto answer = firewall::askFirewall(socket_, firewall::formatReport(r), kReportTimeout);
        if (answer.rfind("ok", 0) == 0)
            log::info("webui: reported " + ip + " to moat-firewall (" + reason + "): " + answer);
        else
            log::warning("webui: moat-firewall did not block " + ip + " (" + reason +
                         "): " + answer);
    } catch (const std::exception& e) {
        log::warning("webui: cannot report " + ip + " to moat-firewall (" + reason +
                     "): " + e.what());
    }
}

}  // namespace moat::web
