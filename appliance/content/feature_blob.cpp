#include "content/feature_blob.h"

namespace moat::content {

std::string encodeFeatures(const std::vector<TokenHash>& hashes) {
    std::string out;
    out.reserve(hashes.size() * 9);
    TokenHash previous = 0;
    bool first = true;
    for (TokenHash h : hashes) {
        TokenHash delta = first ? h : h - previous;
        first = false;
        previous = h;
        do {
            unsigned char byte = delta & 0x7f;
            delta >>= 7;
            out.push_back(static_cast<char>(delta ? byte | 0x80 : byte));
        } while (delta);
    }
    return out;
}

std::optional<std::vector<TokenHash>> decodeFeatures(std::string_view blob) {
    std::vector<TokenHash> out;
    out.reserve(blob.size() / 8 + 1);
    std::size_t i = 0;
    TokenHash previous = 0;
    while (i < blob.size()) {
        TokenHash value = 0;
        int shift = 0;
        while (true) {
            if (i >= blob.size() || shift > 63) return std::nullopt;
            auto byte = static_cast<unsigned char>(blob[i++]);
            TokenHash bits = byte & 0x7f;
            if (shift == 63 && bits > 1) return std::nullopt;
            value |= bits << shift;
            shift += 7;
            if (!(byte & 0x80)) break;
        }
        if (out.empty()) {
            out.push_back(value);
        } else {
            if (value == 0 || previous + value < previous) return std::nullopt;
            out.push_back(previous + value);
        }
        previous = out.back();
    }
    return out;
}

}  // namespace moat::content
