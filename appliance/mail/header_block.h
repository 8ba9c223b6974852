// The header section of a message arriving in pieces (DATA after
// unstuffing, CRLF line ends): kept up to a cap so that the session never
// holds the whole message, with its Received: fields counted for the hop
// limit (RFC 5321 §6.3). The section ends at the first empty line; a
// message without one is all header.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moat::mail {

class HeaderBlock {
  public:
    explicit HeaderBlock(std::size_t max_bytes) : max_(max_bytes) {}

    // Feeds the next piece of the message; pieces after the header section are ignored.
    void feed(std::string_view piece);

    bool complete() const { return complete_; }
    // The header section exceeded max_bytes (text() holds its first max_bytes).
    bool tooLarge() const { return too_large_; }
    // The header section including the empty line that ends it.
    const std::string& text() const { return text_; }
    // Received: fields seen (continuation lines not counted).
    int received() const { return received_; }

  private:
    void line(std::string_view line);

    std::size_t max_;
    std::string text_;
    std::string partial_;  // the current line so far, when it spans pieces
    bool complete_ = false;
    bool too_large_ = false;
    int received_ = 0;
};

}  // namespace moat::mail
