// An SMTP reply: code, RFC 3463 enhanced status and text. Every reply Moat
// sends carries an enhanced status (ENHANCEDSTATUSCODES is always on).
// format() renders the wire form, multi-line when the text holds '\n'.
#pragma once

#include <string>
#include <string_view>

namespace moat::mail {

struct Reply {
    int code = 250;
    std::string enhanced;  // "2.0.0"; empty only for 220/221-style greeting lines
    std::string text;

    std::string format() const;
    bool positive() const { return code >= 200 && code < 400; }
    bool temporary() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500; }
};

inline Reply reply(int code, std::string_view enhanced, std::string_view text) {
    return Reply{code, std::string(enhanced), std::string(text)};
}

}  // namespace moat::mail
