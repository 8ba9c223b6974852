// What moat-tarpit says to a held client, as OpenBSD spamd answers a
// blacklisted one: a greeting, 250 to HELO, EHLO, MAIL, RCPT, RSET and NOOP,
// 500 to anything else or to a line over kMaxTarpitLine, and a final reply
// after which the connection closes — 451 at DATA, 421 at QUIT or when the
// hold time is over. The daemon sends each reply one byte at a time.
//
// A client's input is read one line at a time into a TarpitLine, a fixed
// state (the first five bytes and the length): nothing else the client sends
// is kept, so a held client costs the same whatever it sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moat::firewall {

inline constexpr std::size_t kMaxTarpitLine = 512;  // RFC 5321's command line, CRLF included

enum class TarpitReply : std::uint8_t {
    greeting,
    hello,
    ok,
    unrecognized,
    too_long,
    data,
    quit,
    hold_over
};

// The last reply: the connection closes once it is sent.
constexpr bool isFinal(TarpitReply r) {
    return r == TarpitReply::data || r == TarpitReply::quit || r == TarpitReply::hold_over;
}

// One client's current command line.
class TarpitLine {
  public:
    // Takes bytes up to and including the first LF; returns how many it took
    // (all of them when there is no LF). complete() after an LF.
    std::size_t feed(std::string_view bytes);
    bool complete() const { return complete_; }
    // The answer to the completed line; the line starts afresh.
    TarpitReply answer();

  private:
    char verb_[5] = {};         // the first five bytes: the verb and what follows it
    std::uint16_t length_ = 0;  // saturates at kMaxTarpitLine + 1
    bool complete_ = false;
};

// The replies' texts, built once from the host name.
class TarpitReplies {
  public:
    explicit TarpitReplies(std::string_view hostname);
    const std::string& text(TarpitReply r) const { return text_[static_cast<std::size_t>(r)]; }

  private:
    std::string text_[8];
};

}  // namespace moat::firewall
