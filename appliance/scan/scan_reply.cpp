#include "scan/scan_reply.h"

#include <array>
#include <utility>

namespace moat::scan {
namespace {

constexpr std::array<std::pair<std::string_view, ScanResult::Kind>, 5> kKinds{{
    {"clean", ScanResult::Kind::clean},
    {"virus", ScanResult::Kind::virus},
    {"blocked", ScanResult::Kind::blocked},
    {"error", ScanResult::Kind::error},
    {"unavailable", ScanResult::Kind::unavailable},
}};

bool printable(char c) {
    return c >= 0x20 && c <= 0x7e;
}

}  // namespace

std::string_view kindName(ScanResult::Kind kind) {
    for (const auto& [name, k] : kKinds)
        if (k == kind) return name;
    return "error";
}

std::optional<ScanResult> parseScanReply(std::string_view line) {
    if (line.size() > kMaxReplyBytes || line.empty() || line.back() != '\n') return std::nullopt;
    line.remove_suffix(1);
    for (char c : line)
        if (!printable(c)) return std::nullopt;
    auto space = line.find(' ');
    std::string_view word = line.substr(0, space);
    for (const auto& [name, kind] : kKinds) {
        if (word != name) continue;
        if (space == std::string_view::npos) {
            if (kind != ScanResult::Kind::clean) return std::nullopt;
            return ScanResult{kind, ""};
        }
        std::string_view detail = line.substr(space + 1);
        if (detail.empty() || detail.size() > kMaxDetailBytes || detail.front() == ' ' ||
            detail.back() == ' ')
            return std::nullopt;
        return ScanResult{kind, std::string(detail)};
    }
    return std::nullopt;
}

std::string formatScanReply(const ScanResult& r) {
    std::string line(kindName(r.kind));
    std::string detail = r.detail.substr(0, kMaxDetailBytes);
    for (char& c : detail)
        if (!printable(c)) c = '?';
    while (!detail.empty() && detail.back() == ' ') detail.pop_back();
    while (!detail.empty() && detail.front() == ' ') detail.erase(0, 1);
    if (detail.empty() && r.kind != ScanResult::Kind::clean) detail = "unknown";
    if (!detail.empty()) line += ' ' + detail;
    line += '\n';
    return line;
}

}  // namespace moat::scan
