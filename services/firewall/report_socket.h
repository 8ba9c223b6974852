// moat-firewall's unix socket (SOCK_SEQPACKET, one request and one answer
// per connection): the peer's credentials are read from the kernel
// (SO_PEERCRED) and only root and the configured report users are heard;
// every request is parsed and validated before the daemon sees it. No
// network listener: the daemon is reached only through this file.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <sys/types.h>

namespace moat::firewall {

class ReportSocket {
  public:
    // answer(message, source) → the reply; source names the peer by its user
    // ("root", "moat-web").
    using Answer = std::function<std::string(const std::string& message, const std::string& source)>;

    // allowed: the users (besides root) who are heard, by uid, with their names.
    ReportSocket(const std::string& path, std::map<uid_t, std::string> allowed, Answer answer);
    ~ReportSocket();
    ReportSocket(const ReportSocket&) = delete;
    ReportSocket& operator=(const ReportSocket&) = delete;

    // Serves one connection if one is waiting within timeout_ms; false on timeout.
    bool serveOne(int timeout_ms);

  private:
    std::string path_;
    std::map<uid_t, std::string> allowed_;
    Answer answer_;
    int fd_ = -1;
};

}  // namespace moat::firewall
