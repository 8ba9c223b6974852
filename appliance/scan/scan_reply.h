// The one-line answer moat-scand gives for one message: "clean" (or "clean
// NOTE"), "virus NAME", "blocked DETAIL", "error REASON" or "unavailable
// REASON", ending in "\n". Both sides validate: the parser accepts only that
// grammar (printable ASCII, at most kMaxReplyBytes), so a broken or hostile
// scanner cannot smuggle text into an SMTP reply; format() cleans details.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace moat::scan {

inline constexpr std::size_t kMaxReplyBytes = 512;   // whole line, "\n" included
inline constexpr std::size_t kMaxDetailBytes = 400;  // the text after the keyword

struct ScanResult {
    enum class Kind { clean, virus, blocked, error, unavailable };
    Kind kind = Kind::error;
    std::string detail;  // virus name, blocking or error reason; for clean, a note or empty
};

// One reply line, "\n" included; nothing when it breaks the grammar.
std::optional<ScanResult> parseScanReply(std::string_view line);
// The reply line for r: details are cut to kMaxDetailBytes and characters
// outside printable ASCII become '?'; an empty detail becomes "unknown"
// (for clean, no note).
std::string formatScanReply(const ScanResult& r);
std::string_view kindName(ScanResult::Kind kind);

}  // namespace moat::scan
