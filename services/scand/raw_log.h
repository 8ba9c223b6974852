// A log line from the scan host or a worker: one write(2) to stderr, never
// util/log.h. Both are forked from the multi-threaded moat-scand, so a lock of
// its logger may have been copied held; one raw write needs no lock.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>

namespace moat::scand {

// level: "error" or "warning", as util/log.h would write it.
inline void rawLog(std::string_view level, std::string_view text) {
    std::string line;
    line.reserve(level.size() + text.size() + 3);
    line.append(level).append(": ").append(text).append("\n");
    [[maybe_unused]] ssize_t n = ::write(2, line.data(), line.size());
}

}  // namespace moat::scand
