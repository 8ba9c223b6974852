#include "mail/header_block.h"

#include "util/ascii_text.h"

namespace moat::mail {
namespace {

bool startsWithReceived(std::string_view line) { return util::startsWithNoCase(line, "received:"); }

}  // namespace

void HeaderBlock::feed(std::string_view piece) {
    while (!complete_ && !piece.empty()) {
        auto nl = piece.find('\n');
        if (nl == std::string_view::npos) {
            // Only the start of a line matters for counting; keep a bounded part of it.
            if (partial_.size() < 64) partial_.append(piece.substr(0, 64 - partial_.size()));
            if (text_.size() < max_) text_.append(piece.substr(0, max_ - text_.size()));
            if (text_.size() >= max_ && !complete_) too_large_ = true;
            return;
        }
        std::string_view rest = piece.substr(0, nl + 1);
        piece.remove_prefix(nl + 1);
        if (partial_.size() < 64) partial_.append(rest.substr(0, 64 - partial_.size()));
        if (text_.size() < max_)
            text_.append(rest.substr(0, max_ - text_.size()));
        else
            too_large_ = true;
        line(partial_);
        partial_.clear();
    }
}

void HeaderBlock::line(std::string_view start) {
    if (start == "\r\n" || start == "\n") {
        complete_ = true;
        too_large_ = too_large_ && text_.size() >= max_;
        return;
    }
    if (startsWithReceived(start)) ++received_;
}

}  // namespace moat::mail
