#include "firewall/tarpit_dialogue.h"

#include <algorithm>
#include <cstring>

namespace moat::firewall {
namespace {

// The line's verb is word: its first four bytes, then a space or the line's end.
bool verbIs(const char (&verb)[5], const char* word) {
    return std::memcmp(verb, word, 4) == 0 &&
           (verb[4] == ' ' || verb[4] == '\r' || verb[4] == '\n');
}

char upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// A host name fit for a reply line: printable, no spaces, bounded.
std::string safeHost(std::string_view host) {
    std::string out;
    for (char c : host.substr(0, 253))
        if (c > 0x20 && c < 0x7f) out += c;
    return out.empty() ? std::string("localhost") : out;
}

}  // namespace

std::size_t TarpitLine::feed(std::string_view bytes) {
    auto lf = bytes.find('\n');
    std::size_t take = lf == std::string_view::npos ? bytes.size() : lf + 1;
    for (std::size_t i = 0; i < take && length_ + i < sizeof verb_; ++i)
        verb_[length_ + i] = upper(bytes[i]);
    length_ = static_cast<std::uint16_t>(std::min<std::size_t>(length_ + take, kMaxTarpitLine + 1));
    complete_ = lf != std::string_view::npos;
    return take;
}

TarpitReply TarpitLine::answer() {
    TarpitReply r = TarpitReply::unrecognized;
    if (length_ > kMaxTarpitLine)
        r = TarpitReply::too_long;
    else if (verbIs(verb_, "HELO") || verbIs(verb_, "EHLO"))
        r = TarpitReply::hello;
    else if (verbIs(verb_, "MAIL") || verbIs(verb_, "RCPT") || verbIs(verb_, "RSET") ||
             verbIs(verb_, "NOOP"))
        r = TarpitReply::ok;
    else if (verbIs(verb_, "DATA"))
        r = TarpitReply::data;
    else if (verbIs(verb_, "QUIT"))
        r = TarpitReply::quit;
    *this = TarpitLine{};
    return r;
}

TarpitReplies::TarpitReplies(std::string_view hostname) {
    std::string host = safeHost(hostname);
    auto set = [&](TarpitReply r, std::string text) {
        text_[static_cast<std::size_t>(r)] = std::move(text) + "\r\n";
    };
    set(TarpitReply::greeting, "220 " + host + " ESMTP");
    set(TarpitReply::hello, "250 " + host);
    set(TarpitReply::ok, "250 2.0.0 OK");
    set(TarpitReply::unrecognized, "500 5.5.1 Command unrecognized");
    set(TarpitReply::too_long, "500 5.5.2 Line too long");
    set(TarpitReply::data, "451 4.7.1 Temporary local problem, please try again later");
    set(TarpitReply::quit, "421 4.7.0 " + host + " closing connection");
    set(TarpitReply::hold_over, "421 4.7.0 " + host + " too long, closing connection");
}

}  // namespace moat::firewall
