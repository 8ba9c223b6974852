// Splits an mbox into messages, streaming: a "From " line at the start or
// after an empty line begins a message (it and the empty line before it are
// dropped); ">From ", ">>From "... lose one '>' (mboxrd, right for mboxo too).
// A message over max_message_bytes is cut and marked truncated. Any chunking
// of the input gives the same messages.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace moat::content {

class MboxReader {
  public:
    // Called with each message (LF or CRLF lines as in the file) and whether it was cut.
    using Sink = std::function<void(std::string message, bool truncated)>;

    explicit MboxReader(Sink sink, std::size_t max_message_bytes = 64u << 20);

    void feed(std::string_view bytes);
    void finish();  // emits the last message

    std::size_t messages() const { return messages_; }

  private:
    void line(std::string_view text, bool complete);
    void append(std::string_view text);
    void emit();

    Sink sink_;
    std::size_t max_;
    std::size_t probe_;          // bytes of a line's start that classify it
    std::string partial_;        // the start of a line not yet complete (about probe_ bytes)
    bool in_long_line_ = false;  // partial_ was flushed; the rest of this line is content
    bool in_message_ = false;
    bool truncated_ = false;
    bool previous_empty_ = true;  // the file start counts as after an empty line
    std::string held_;            // an empty line held back: it may precede a From_ line
    std::string message_;
    std::size_t messages_ = 0;
};

}  // namespace moat::content
