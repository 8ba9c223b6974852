// A log line from the launcher, a scan host or a worker: one write(2) to
// stderr, never util/log.h. They are separate processes whose lines must not
// wait on any lock of the daemon's logger; one raw write needs none.
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
