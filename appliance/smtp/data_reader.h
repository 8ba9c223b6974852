// The DATA phase reader: a byte-level state machine that removes dot-stuffing
// and ends the message only at <CRLF>.<CRLF> (RFC 5321 §4.1.1.4). Bare CR and
// bare LF are never line ends here, so "\n.\n" and friends can never end the
// data and smuggle a second transaction (SMTP smuggling, 2023); they are
// flagged and the session refuses the message after the real end. Oversize,
// over-long lines and NUL bytes are flagged too, and reading goes on to the
// real end so the client gets one clear reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moat::smtp {

class DataReader {
public:
    static constexpr std::size_t kMaxLine = 1000;  // octets including CRLF, RFC 5321 §4.5.3.1.6

    explicit DataReader(std::uint64_t max_size) : max_size_(max_size) {}

    // Consumes bytes, appending message content to out (until oversize).
    // Returns how many bytes of input were consumed; when done() is true the
    // rest of the input belongs to the next command.
    std::size_t feed(std::string_view input, std::string& out);

    bool done() const { return state_ == State::done; }
    std::uint64_t size() const { return size_; }  // content octets (after unstuffing)
    bool tooBig() const { return too_big_; }
    bool lineTooLong() const { return line_too_long_; }
    bool bareLf() const { return bare_lf_; }
    bool bareCr() const { return bare_cr_; }
    bool nul() const { return nul_; }
    bool eightBit() const { return eight_bit_; }

private:
    enum class State { line_start, in_line, cr, dot, dot_cr, done };
    void emit(std::string& out, char c);
    // c within a line: a CR may end it (the state after it is after_cr), any
    // other byte is content (a LF alone is flagged).
    void lineChar(std::string& out, char c, State after_cr);
    // A CR no LF followed: kept as content (and flagged), and c read as the
    // line's next byte.
    void bareCrThen(std::string& out, char c);

    std::uint64_t max_size_;
    State state_ = State::line_start;
    std::uint64_t size_ = 0;
    std::size_t line_len_ = 0;
    bool too_big_ = false;
    bool line_too_long_ = false;
    bool bare_lf_ = false;
    bool bare_cr_ = false;
    bool nul_ = false;
    bool eight_bit_ = false;
};

}  // namespace moat::smtp
