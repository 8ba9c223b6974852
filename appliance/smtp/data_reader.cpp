#include "smtp/data_reader.h"

namespace moat::smtp {

void DataReader::emit(std::string& out, char c) {
    ++size_;
    if (size_ > max_size_) {
        too_big_ = true;
        return;
    }
    out += c;
}

void DataReader::lineChar(std::string& out, char c, State after_cr) {
    if (c == '\r') {
        state_ = after_cr;
        return;
    }
    if (c == '\n') bare_lf_ = true;
    emit(out, c);
    state_ = State::in_line;
}

void DataReader::bareCrThen(std::string& out, char c) {
    bare_cr_ = true;
    emit(out, '\r');
    lineChar(out, c, State::cr);
}

std::size_t DataReader::feed(std::string_view input, std::string& out) {
    std::size_t i = 0;
    for (; i < input.size() && state_ != State::done; ++i) {
        char c = input[i];
        auto uc = static_cast<unsigned char>(c);
        if (c == '\0') nul_ = true;
        if (uc >= 0x80) eight_bit_ = true;
        if (c != '\r' && c != '\n' && ++line_len_ > kMaxLine - 2) line_too_long_ = true;

        switch (state_) {
            case State::line_start:
                if (c == '.') {
                    state_ = State::dot;
                    break;
                }
                [[fallthrough]];
            case State::in_line:
                lineChar(out, c, State::cr);
                break;
            case State::cr:
                if (c == '\n') {
                    emit(out, '\r');
                    emit(out, '\n');
                    line_len_ = 0;
                    state_ = State::line_start;
                } else {
                    bareCrThen(out, c);
                }
                break;
            case State::dot:  // a line began with '.': the dot is stuffing
                lineChar(out, c, State::dot_cr);
                break;
            case State::dot_cr:
                if (c == '\n')
                    state_ = State::done;  // <CRLF>.<CRLF>
                else
                    bareCrThen(out, c);  // ".\rX": the stuffed dot is dropped, the CR kept
                break;
            case State::done:
                break;
        }
    }
    return i;
}

}  // namespace moat::smtp
