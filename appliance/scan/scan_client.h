// The SMTP side of virus and attachment scanning: hands one spooled message's
// file descriptor to moat-scand over its unix socket (SCM_RIGHTS, so the
// scanner opens nothing itself) and reads its one-line verdict. Any failure to
// get a valid verdict in time — no socket, a dead or stuck scanner, a garbled
// reply — is Kind::error, which the session turns into a 4xx. Thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "scan/scan_reply.h"

namespace moat::scan {

class ScanClient {
  public:
    explicit ScanClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}
    // fd: the message, open for reading; it stays the caller's.
    ScanResult scan(int fd, std::chrono::milliseconds timeout) const;
    const std::string& socketPath() const { return socket_path_; }

  private:
    std::string socket_path_;
};

}  // namespace moat::scan
