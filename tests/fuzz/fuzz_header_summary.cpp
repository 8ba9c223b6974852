// Fuzzes the header summary (Subject, From, Message-ID of the message log and
// archive index): whatever the input, each value is valid UTF-8 with no
// control characters (C0, DEL, C1), within kMaxHeaderValue bytes, and trimmed.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "content/header_summary.h"
#include "content/utf8.h"
#include "fuzz_check.h"

using moat::fuzz::check;

namespace {

void checkValue(const std::string& v) {
    check(v.size() <= moat::content::kMaxHeaderValue);
    check(moat::content::isValidUtf8(v));
    for (unsigned char c : v) check(c >= 0x20 && c != 0x7f);
    for (std::size_t i = 0; i + 1 < v.size(); ++i)
        check(!(static_cast<unsigned char>(v[i]) == 0xc2 &&
                static_cast<unsigned char>(v[i + 1]) < 0xa0));
    check(v.empty() || (v.front() != ' ' && v.back() != ' '));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto s = moat::content::summarizeHeaders(input);
    checkValue(s.subject);
    checkValue(s.from);
    checkValue(s.message_id);
    checkValue(moat::content::oneLine(moat::content::decodeEncodedWords(input)));
    return 0;
}
