#include "scan/worker_reply.h"

#include <charconv>

namespace moat::scan {

std::string formatWorkerPid(pid_t pid) {
    return std::to_string(pid) + "\n";
}

WorkerReply parseWorkerReply(std::string_view text) {
    WorkerReply out;
    if (text.size() > kMaxWorkerReplyBytes) return out;
    auto nl = text.find('\n');
    // 1 to 10 digits, no sign, no leading zero: a pid_t, nothing else.
    if (nl == std::string_view::npos || nl == 0 || nl > 10 || text[0] == '0') return out;
    long pid = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + nl, pid);
    if (ec != std::errc{} || end != text.data() + nl || pid <= 0 || pid > 0x7fffffffL) return out;
    out.pid = static_cast<pid_t>(pid);
    auto rest = text.substr(nl + 1);
    if (!rest.empty() && rest.back() == '\n') out.verdict = parseScanReply(rest);
    return out;
}

}  // namespace moat::scan
