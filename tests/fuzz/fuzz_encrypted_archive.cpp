// Fuzzes the attachment policy's archive walk with passwords to try: whatever
// the bytes (zip, encrypted or not, or anything else), the walk returns (no
// crash, no hang), refuses only as virus or blocked, and reports each
// encrypted archive it met.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scan/attachment_policy.h"

namespace {

void check(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::scan;
    moat::content::Attachment a;
    a.filename = "fuzz.zip";
    a.data.assign(reinterpret_cast<const char*>(data), size);
    a.size = size;
    AttachmentRules rules;
    rules.extensions = {"exe"};
    rules.types = {"exe"};
    rules.block_encrypted = size % 2 == 0;
    rules.max_depth = 3;
    rules.max_entries = 50;
    rules.max_entry_bytes = 256 << 10;
    rules.max_total_bytes = 1 << 20;
    Unlock unlock{{"secret", "password", "infected"},
                  std::chrono::steady_clock::now() + std::chrono::milliseconds(200),
                  [](std::string_view bytes) -> std::optional<std::string> {
                      if (bytes == "VIRUS") return "Fuzz.Virus";
                      return std::nullopt;
                  }};
    auto report = checkAttachment(a, rules, unlock);
    if (report.refusal)
        check(report.refusal->kind == ScanResult::Kind::virus ||
              report.refusal->kind == ScanResult::Kind::blocked);
    check(report.encryptedSummary().empty() == report.encrypted.empty());
    return 0;
}
