#include "smtp/server.h"

#include "net/cidr.h"
#include "smtp/session.h"
#include "util/log.h"

#include <Poco/Net/NetException.h>

#include <poll.h>

namespace moat::smtp {

Server::Server(const config::Smtp& cfg, Poco::Net::Context::Ptr tls, HandlerFactory handlers)
    : cfg_(cfg), tls_(std::move(tls)), handlers_(std::move(handlers)) {
    Poco::Net::SocketAddress address(cfg.listen.host, cfg.listen.port);
    socket_.bind(address, true);
    socket_.listen(1024);
}

Server::~Server() { stop(); }

void Server::start() { acceptor_ = std::thread([this] { acceptLoop(); }); }

void Server::refuse(Poco::Net::StreamSocket& socket, const std::string& why) {
    try {
        socket.setSendTimeout(Poco::Timespan(2, 0));
        std::string msg = "421 4.3.2 " + cfg_.hostname + " " + why + ", try again later\r\n";
        socket.sendBytes(msg.data(), static_cast<int>(msg.size()));
        socket.shutdownSend();
        socket.close();
    } catch (const Poco::Exception&) {
    }
}

void Server::acceptLoop() {
    const auto& cfg = cfg_;
    while (!stopping_) {
        pollfd pfd{socket_.impl()->sockfd(), POLLIN, 0};
        int r = ::poll(&pfd, 1, 200);
        if (r <= 0) continue;
        Poco::Net::StreamSocket client;
        try {
            client = socket_.acceptConnection();
        } catch (const Poco::Exception& e) {
            // EMFILE and friends: back off briefly instead of spinning.
            log::warning("smtpd: accept failed: " + e.displayText());
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        std::string ip;
        try {
            ip = net::canonicalIp(client.peerAddress().host());
        } catch (const Poco::Exception&) {
            continue;  // already gone
        }
        {
            std::lock_guard lock(mutex_);
            if (active_.load() >= cfg.max_sessions) {
                log::warning("smtpd: [" + ip + "] refused: too many sessions (max_sessions " +
                             std::to_string(cfg.max_sessions) + ")");
                refuse(client, "Error: too many connections");
                continue;
            }
            int& count = per_ip_[ip];
            if (count >= cfg.max_sessions_per_ip) {
                log::warning("smtpd: [" + ip + "] refused: too many sessions from this address (max_sessions_per_ip " +
                             std::to_string(cfg.max_sessions_per_ip) + ")");
                refuse(client, "Error: too many connections from your address");
                continue;
            }
            ++count;
            ++active_;
        }
        try {
            std::thread([this, client, ip]() mutable {
                try {
                    auto handler = handlers_();
                    Session session(cfg_, tls_, std::make_unique<net::Connection>(std::move(client)), *handler);
                    session.run();
                } catch (const std::exception& e) {
                    log::error("smtpd: [" + ip + "] session setup failed: " + e.what());
                }
                std::lock_guard lock(mutex_);
                if (--per_ip_[ip] <= 0) per_ip_.erase(ip);
                --active_;
                idle_.notify_all();
            }).detach();
        } catch (const std::system_error& e) {
            std::lock_guard lock(mutex_);
            if (--per_ip_[ip] <= 0) per_ip_.erase(ip);
            --active_;
            log::error(std::string("smtpd: cannot start a session thread: ") + e.what());
        }
    }
}

void Server::stop() {
    if (stopping_.exchange(true)) return;
    if (acceptor_.joinable()) acceptor_.join();
    try {
        socket_.close();
    } catch (...) {
    }
    std::unique_lock lock(mutex_);
    idle_.wait_for(lock, std::chrono::seconds(10), [this] { return active_.load() == 0; });
}

}  // namespace moat::smtp
