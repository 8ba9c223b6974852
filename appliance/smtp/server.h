// The SMTP listener: accepts connections and runs one Session per client on
// its own thread. Unlike Poco::Net::TCPServer (16 threads, 64 queued, then
// silent drops) it enforces max_sessions and max_sessions_per_ip itself and
// answers every client beyond them with "421 4.3.2" before closing — a real
// MTA then retries later; nothing is ever dropped without a reply.
#pragma once

#include "smtp/session.h"

#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace moat::smtp {

class Server {
public:
    Server(SessionServices& services, const config::HostPort& listen);
    ~Server();

    void start();
    void stop();  // stops accepting, waits for running sessions to end (bounded)
    std::uint16_t port() const { return socket_.address().port(); }
    int activeSessions() const { return active_.load(); }

private:
    void acceptLoop();
    void refuse(Poco::Net::StreamSocket& socket, const std::string& why);

    SessionServices& services_;
    Poco::Net::ServerSocket socket_;
    std::thread acceptor_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> active_{0};
    std::mutex mutex_;
    std::condition_variable idle_;
    std::unordered_map<std::string, int> per_ip_;
};

}  // namespace moat::smtp
