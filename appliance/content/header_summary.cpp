#include "content/header_summary.h"

#include <Poco/Base64Decoder.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "content/charset.h"
#include "content/utf8.h"

namespace moat::content {
namespace {

constexpr std::size_t kMaxRawValue = 4096;  // bytes of one folded field kept before decoding

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string decodeQ(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 &&
                   hexValue(s[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

bool decodeB(std::string_view s, std::string& out) {
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '='))
            return false;
    try {
        std::istringstream in{std::string(s)};
        Poco::Base64Decoder decoder(in);
        std::ostringstream bytes;
        bytes << decoder.rdbuf();
        out = bytes.str();
        return true;
    } catch (...) {
        return false;
    }
}

// One encoded word at text[pos] ("=?cs?X?data?="): its decoding and length, or 0.
std::size_t encodedWord(std::string_view text, std::size_t pos, std::string& decoded) {
    if (text.substr(pos, 2) != "=?") return 0;
    auto q1 = text.find('?', pos + 2);
    if (q1 == std::string_view::npos || q1 + 2 >= text.size() || text[q1 + 2] != '?') return 0;
    char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(text[q1 + 1])));
    auto end = text.find("?=", q1 + 3);
    if (end == std::string_view::npos) return 0;
    std::string_view charset = text.substr(pos + 2, q1 - pos - 2);
    if (auto star = charset.find('*'); star != std::string_view::npos)
        charset = charset.substr(0, star);  // RFC 2231 language
    std::string_view data = text.substr(q1 + 3, end - q1 - 3);
    if (charset.empty() || data.find(' ') != std::string_view::npos) return 0;
    std::string bytes;
    if (enc == 'Q')
        bytes = decodeQ(data);
    else if (enc != 'B' || !decodeB(data, bytes))
        return 0;
    decoded = content::convertToUtf8(bytes, charset).text;
    return end + 2 - pos;
}

}  // namespace

std::string decodeEncodedWords(std::string_view text) {
    std::string out;
    std::size_t pending_space = 0;  // white space after an encoded word, dropped if another follows
    bool last_encoded = false;
    std::size_t i = 0;
    while (i < text.size()) {
        std::string decoded;
        if (std::size_t n = encodedWord(text, i, decoded)) {
            if (!last_encoded) out.append(text.substr(i - pending_space, pending_space));
            out += decoded;
            pending_space = 0;
            last_encoded = true;
            i += n;
            continue;
        }
        char c = text[i];
        if (c == ' ' || c == '\t') {
            ++pending_space;
            ++i;
            continue;
        }
        out.append(text.substr(i - pending_space, pending_space));
        pending_space = 0;
        last_encoded = false;
        out += c;
        ++i;
    }
    out.append(text.substr(text.size() - pending_space, pending_space));
    return out;
}

std::string oneLine(std::string_view text, std::size_t max) {
    std::string valid = content::toValidUtf8(text);
    std::string out;
    bool space = false;
    for (std::size_t i = 0; i < valid.size(); ++i) {
        auto c = static_cast<unsigned char>(valid[i]);
        if (c == 0xc2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) < 0xa0) {
            ++i;  // a C1 control character (U+0080..U+009F)
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f) c = ' ';
        if (c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += static_cast<char>(c);
    }
    std::string cut(content::utf8Prefix(out, max));
    while (!cut.empty() && cut.back() == ' ') cut.pop_back();
    return cut;
}

HeaderSummary summarizeHeaders(std::string_view message) {
    HeaderSummary out;
    std::string* targets[3] = {&out.subject, &out.from, &out.message_id};
    bool seen[3] = {false, false, false};
    std::string* current = nullptr;  // the field whose continuation lines are being read
    std::size_t pos = 0;
    std::size_t limit = std::min(message.size(), kMaxHeaderScan);
    while (pos < limit) {
        auto nl = message.find('\n', pos);
        std::size_t end = nl == std::string_view::npos || nl > limit ? limit : nl;
        std::string_view line = message.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // end of the header block
        if (line.front() == ' ' || line.front() == '\t') {
            if (current && current->size() < kMaxRawValue)
                current->append(line.substr(0, kMaxRawValue - current->size()));
            continue;
        }
        current = nullptr;
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name = Poco::toLower(Poco::trimRight(std::string(line.substr(0, colon))));
        int which = name == "subject" ? 0 : name == "from" ? 1 : name == "message-id" ? 2 : -1;
        if (which < 0 || seen[which]) continue;
        seen[which] = true;
        current = targets[which];
        current->assign(line.substr(colon + 1, kMaxRawValue));
    }
    out.subject = oneLine(decodeEncodedWords(out.subject));
    out.from = oneLine(decodeEncodedWords(out.from));
    out.message_id = oneLine(out.message_id);
    return out;
}

}  // namespace moat::content
