// The SMTP listener: accepts connections and runs one Session per client on
// its own thread. Unlike Poco::Net::TCPServer (16 threads, 64 queued, then
// silent drops) it enforces max_sessions and max_sessions_per_ip itself and
// answers every client beyond them with "421 4.3.2" before closing — a real
// MTA then retries later; nothing is ever dropped without a reply.
#pragma once

#include "config/config.h"
#include "smtp/session_handler.h"

#include <Poco/Net/Context.h>

#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace moat::smtp {

class Server {
public:
    // A new handler for each accepted connection (the gateway's decisions).
    using HandlerFactory = std::function<std::unique_ptr<SessionHandler>()>;

    // tls null: no STARTTLS.
    Server(const config::Smtp& cfg, Poco::Net::Context::Ptr tls, HandlerFactory handlers);
    ~Server();

    void start();
    void stop();  // stops accepting, waits for running sessions to end (bounded)
    std::uint16_t port() const { return socket_.address().port(); }
    int activeSessions() const { return active_.load(); }

private:
    void acceptLoop();
    void refuse(Poco::Net::StreamSocket& socket, const std::string& why);

    const config::Smtp& cfg_;
    Poco::Net::Context::Ptr tls_;
    HandlerFactory handlers_;
    Poco::Net::ServerSocket socket_;
    std::thread acceptor_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> active_{0};
    std::mutex mutex_;
    std::condition_variable idle_;
    std::unordered_map<std::string, int> per_ip_;
};

}  // namespace moat::smtp
