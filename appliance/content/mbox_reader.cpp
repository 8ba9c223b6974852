#include "content/mbox_reader.h"

#include <algorithm>

namespace moat::content {
namespace {

// A line is classified (From_ line, quoted, empty) by its first bytes only, so
// that a line of any length costs bounded memory; longer lines are content.
constexpr std::size_t kProbe = 1u << 20;

bool isEmptyLine(std::string_view text) {
    return text == "\n" || text == "\r\n";
}

// Number of '>' before "From " at the start of text, or -1.
long quoteLevel(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && text[i] == '>') ++i;
    return text.substr(i, 5) == "From " ? static_cast<long>(i) : -1;
}

}  // namespace

MboxReader::MboxReader(Sink sink, std::size_t max_message_bytes)
    : sink_(std::move(sink)),
      max_(max_message_bytes),
      probe_(std::max<std::size_t>(16, std::min(kProbe, max_message_bytes))) {}

void MboxReader::feed(std::string_view bytes) {
    while (!bytes.empty()) {
        auto nl = bytes.find('\n');
        std::string_view piece =
            bytes.substr(0, nl == std::string_view::npos ? bytes.size() : nl + 1);
        bytes.remove_prefix(piece.size());
        bool complete = nl != std::string_view::npos;
        if (in_long_line_) {
            append(piece);
            if (complete) in_long_line_ = false;
            continue;
        }
        if (partial_.empty() && complete && piece.size() <= probe_) {
            line(piece, true);
            continue;
        }
        partial_.append(piece);
        if (complete || partial_.size() > probe_) {
            std::string text = std::move(partial_);
            partial_.clear();
            line(text, complete);
            if (!complete) in_long_line_ = true;
        }
    }
}

void MboxReader::finish() {
    if (!partial_.empty()) {
        std::string text = std::move(partial_);
        partial_.clear();
        line(text, true);
    }
    in_long_line_ = false;
    if (in_message_) emit();
}

// One line (or, when !complete, the start of a very long one).
void MboxReader::line(std::string_view text, bool complete) {
    long level = quoteLevel(text.substr(0, probe_));
    bool whole = complete && text.size() <= probe_;
    if (level == 0 && previous_empty_ && whole) {
        if (in_message_) emit();
        in_message_ = true;
        held_.clear();
        previous_empty_ = false;
        return;
    }
    bool empty = whole && isEmptyLine(text);
    if (in_message_) {
        if (!held_.empty()) append(held_);
        held_.clear();
        if (empty) {
            held_ = std::string(text);
        } else {
            append(level > 0 ? text.substr(1) : text);
        }
    }
    previous_empty_ = empty;
}

void MboxReader::append(std::string_view text) {
    if (!in_message_ || truncated_) return;
    if (message_.size() + text.size() > max_) {
        message_.append(text.substr(0, max_ - message_.size()));
        truncated_ = true;
        return;
    }
    message_.append(text);
}

void MboxReader::emit() {
    ++messages_;
    std::string message = std::move(message_);
    message_.clear();
    bool truncated = truncated_;
    truncated_ = false;
    held_.clear();
    in_message_ = false;
    sink_(std::move(message), truncated);
}

}  // namespace moat::content
