// The SMTP side of virus and attachment scanning: hands one spooled message's
// file descriptor to moat-scand over its unix socket (SCM_RIGHTS, so the
// scanner opens nothing itself) and reads its one-line verdict. Any failure to
// get a valid verdict in time — no socket, a dead or stuck scanner, a garbled
// reply — is Kind::error, which the session turns into a 4xx. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "scan/scan_reply.h"

namespace moat::scan {

class ScanClient {
  public:
    explicit ScanClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}
    // Where the scan worker writes the message's content view (content/content_view.h):
    // a file open for writing, decoded from byte `skip` of the message on.
    struct ViewFile {
        int fd = -1;
        std::size_t skip = 0;  // at most kMaxViewSkip (scan_request.h)
    };
    // fd: the message, open for reading; it and view's file stay the caller's.
    ScanResult scan(int fd, std::chrono::milliseconds timeout,
                    std::optional<ViewFile> view = std::nullopt) const;
    const std::string& socketPath() const { return socket_path_; }

  private:
    std::string socket_path_;
};

}  // namespace moat::scan
