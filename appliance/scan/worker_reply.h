// What a moat-scand scan worker writes back for one message, on the pipe it
// was handed with the request: its pid as a decimal line, written as soon as
// it takes the message (so that the waiter can have the host kill it past the
// timeout), then one scan reply line (scan_reply.h). A worker unpacks hostile
// input and may be compromised, so the reader takes nothing but this grammar.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "scan/scan_reply.h"

namespace moat::scan {

// Longest text a worker may write for one message: the pid line and the reply line.
inline constexpr std::size_t kMaxWorkerReplyBytes = 12 + kMaxReplyBytes;

struct WorkerReply {
    pid_t pid = 0;                      // 0: no valid pid line (yet)
    std::optional<ScanResult> verdict;  // none: no complete, valid reply line
};

std::string formatWorkerPid(pid_t pid);
// Parses what has been read so far; a partial text gives what it holds.
WorkerReply parseWorkerReply(std::string_view text);

}  // namespace moat::scan
