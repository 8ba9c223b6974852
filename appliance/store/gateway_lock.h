// One gateway per SQLite store. Queue rows have no owner: two moat-smtpd on
// one database file would deliver (and delete) each other's messages. The
// gateway holds an exclusive lock on "<database>.smtpd.lock" (flock, like
// Postfix's master.lock) for its lifetime; a second one refuses to start with
// an error naming the lock and the holder's pid. moatctl and the console open
// the store without it. Released when the object (or the process) goes.
#pragma once

#include <memory>
#include <string>

namespace moat::store {

class GatewayLock {
  public:
    // Throws std::runtime_error when another process holds the lock (or it
    // cannot be taken). url: the store URL ("sqlite:PATH").
    static std::unique_ptr<GatewayLock> acquire(const std::string& url);
    ~GatewayLock();
    GatewayLock(const GatewayLock&) = delete;
    GatewayLock& operator=(const GatewayLock&) = delete;
    const std::string& path() const { return path_; }

  private:
    GatewayLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

}  // namespace moat::store
