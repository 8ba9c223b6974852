#include "scan/data_memory_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace moat::scan {

std::optional<std::uint64_t> parseVmData(std::string_view status) {
    constexpr std::string_view key = "VmData:";
    std::size_t at = 0;
    while (at < status.size()) {
        std::size_t end = status.find('\n', at);
        if (end == std::string_view::npos) end = status.size();
        std::string_view line = status.substr(at, end - at);
        at = end + 1;
        if (!line.starts_with(key)) continue;
        line.remove_prefix(key.size());
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        std::uint64_t kib = 0;
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), kib);
        if (ec != std::errc() || p == line.data()) return std::nullopt;
        if (std::string_view(p, static_cast<std::size_t>(line.data() + line.size() - p)) != " kB")
            return std::nullopt;
        if (kib > UINT64_MAX / 1024) return std::nullopt;
        return kib * 1024;
    }
    return std::nullopt;
}

bool limitDataMemory(std::uint64_t headroom, std::string& problem) {
    std::ifstream in("/proc/self/status");
    std::ostringstream text;
    text << in.rdbuf();
    auto used = parseVmData(text.str());
    if (!used) {
        problem = "cannot read VmData from /proc/self/status";
        return false;
    }
    rlim_t limit = headroom > RLIM_INFINITY - 1 - *used ? RLIM_INFINITY - 1 : *used + headroom;
    rlimit lim{};
    if (::getrlimit(RLIMIT_DATA, &lim) == 0 && lim.rlim_max < limit) limit = lim.rlim_max;
    lim = {limit, limit};  // the hard limit too: a hijacked worker cannot raise it
    if (::setrlimit(RLIMIT_DATA, &lim) != 0) {
        problem = std::string("setrlimit(RLIMIT_DATA): ") + std::strerror(errno);
        return false;
    }
    return true;
}

}  // namespace moat::scan
