#include "policy/address_list.h"

#include <utility>

#include "store/valid_addresses.h"
#include "util/ascii_text.h"
#include "util/log.h"

namespace moat::policy {
namespace {

constexpr int kMaxCommentDepth = 8;

enum class State {
    between,              // before, after or between the words of an item
    word,                 // inside an atom run (may continue a quoted string: "a b"@c)
    quoted,               // inside "..."
    quoted_escape,        // after '\' inside "..."
    angle,                // inside <...>
    angle_quoted,         // inside "..." inside <...>
    angle_quoted_escape,  // after '\' there
    comment,              // inside (...), possibly nested
    comment_escape,       // after '\' there
    line_comment,         // after '#', to the end of the line
    skip,                 // after an error, to the next separator
};

struct Token {
    enum class Kind { word, quoted, angle };
    Kind kind;
    std::string text;  // raw, quotes and escapes kept; an angle token without its brackets
};

bool space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}
bool separator(char c) {
    return c == '\n' || c == ',' || c == ';';
}
bool control(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

class Reader {
  public:
    explicit Reader(std::string_view text) : text_(text) {}

    AddressList run() {
        std::size_t i = text_.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;  // a UTF-8 byte order mark
        for (; i < text_.size(); ++i) {
            step(text_[i], i);
            if (text_[i] == '\n') ++line_;
        }
        switch (state_) {
            case State::quoted:
            case State::quoted_escape:
            case State::angle_quoted:
            case State::angle_quoted_escape:
                fail("unterminated quoted string");
                break;
            case State::angle:
                fail("missing '>'");
                break;
            case State::comment:
            case State::comment_escape:
                fail("unterminated comment");
                break;
            default:
                break;
        }
        endItem(text_.size());
        return std::move(out_);
    }

  private:
    void step(char c, std::size_t i) {
        switch (state_) {
            case State::between:
                if (separator(c)) return endItem(i);
                if (space(c)) return;
                begin(i);
                if (c == '#') return enter(State::line_comment);
                if (c == '"') return token(Token::Kind::quoted, c, State::quoted);
                if (c == '<') return token(Token::Kind::angle, std::string(), State::angle);
                if (c == '(') return openComment();
                return wordByte(c);
            case State::word:
                if (separator(c)) return endItem(i);
                if (space(c)) return enter(State::between);
                if (c == '"') {
                    tokens_.back().kind = Token::Kind::word;
                    tokens_.back().text += c;
                    return enter(State::quoted);
                }
                if (c == '<') return token(Token::Kind::angle, std::string(), State::angle);
                if (c == '(') return openComment();
                if (tokens_.back().kind == Token::Kind::quoted)
                    tokens_.back().kind = Token::Kind::word;
                return wordByte(c, false);
            case State::quoted:
            case State::angle_quoted:
                if (c == '\n') return failAtNewline("unterminated quoted string", i);
                if (control(c)) return fail("control character in a quoted string");
                tokens_.back().text += c;
                if (c == '\\')
                    return enter(state_ == State::quoted ? State::quoted_escape
                                                         : State::angle_quoted_escape);
                if (c == '"') return enter(state_ == State::quoted ? State::word : State::angle);
                return;
            case State::quoted_escape:
            case State::angle_quoted_escape:
                if (c == '\n') return failAtNewline("unterminated quoted string", i);
                if (control(c)) return fail("control character in a quoted string");
                tokens_.back().text += c;
                return enter(state_ == State::quoted_escape ? State::quoted : State::angle_quoted);
            case State::angle:
                if (c == '\n') return failAtNewline("missing '>'", i);
                if (c == '>') return enter(State::between);
                if (c == '<') return fail("'<' inside <...>");
                if (control(c)) return fail("control character in the address");
                tokens_.back().text += c;
                if (c == '"') return enter(State::angle_quoted);
                return;
            case State::comment:
                if (c == '\n') return failAtNewline("unterminated comment", i);
                if (c == '\\') return enter(State::comment_escape);
                if (c == '(' && ++depth_ > kMaxCommentDepth)
                    return fail("comments nested too deeply");
                if (c == ')' && --depth_ == 0) return enter(State::between);
                return;
            case State::comment_escape:
                if (c == '\n') return failAtNewline("unterminated comment", i);
                return enter(State::comment);
            case State::line_comment:
                if (c == '\n') return endItem(i);
                return;
            case State::skip:
                if (separator(c)) return endItem(i);
                return;
        }
    }

    void enter(State s) { state_ = s; }

    void begin(std::size_t i) {
        if (started_) return;
        started_ = true;
        item_start_ = i;
        item_line_ = line_;
    }

    void token(Token::Kind kind, std::string text, State next) {
        tokens_.push_back({kind, std::move(text)});
        state_ = next;
    }
    void token(Token::Kind kind, char c, State next) { token(kind, std::string(1, c), next); }

    void wordByte(char c, bool fresh = true) {
        if (c == '>') return fail("'>' without '<'");
        if (c == ')') return fail("')' without '('");
        if (control(c)) return fail("control character");
        if (fresh) return token(Token::Kind::word, c, State::word);
        tokens_.back().text += c;
    }

    void openComment() {
        depth_ = 1;
        state_ = State::comment;
    }

    void fail(std::string reason) {
        if (error_.empty()) error_ = std::move(reason);
        state_ = State::skip;
    }

    // A newline inside quotes, <> or a comment: the item ends with the line.
    void failAtNewline(std::string reason, std::size_t i) {
        fail(std::move(reason));
        endItem(i);
    }

    void endItem(std::size_t end) {
        if (started_) {
            std::string_view raw = util::trimWhitespace(text_.substr(item_start_, end - item_start_));
            if (error_.empty() && raw.size() > kMaxAddressListItem)
                error_ = "longer than " + std::to_string(kMaxAddressListItem) + " characters";
            if (error_.empty()) interpret();
            if (!error_.empty())
                out_.errors.push_back({item_line_, log::printable(raw, 90), std::move(error_)});
        }
        started_ = false;
        tokens_.clear();
        error_.clear();
        state_ = State::between;
    }

    // Decides what the item's tokens say: a name (words or quoted strings)
    // then <address>, or an optional quoted name then a bare address.
    void interpret() {
        if (tokens_.empty()) return;  // only comments
        std::size_t angles = 0;
        for (const auto& t : tokens_) angles += t.kind == Token::Kind::angle;
        const Token& last = tokens_.back();
        std::string_view candidate;
        if (angles > 1) {
            error_ = "more than one <address>";
            return;
        }
        if (angles == 1) {
            if (last.kind != Token::Kind::angle) {
                error_ = "text after the <address>";
                return;
            }
            candidate = util::trimWhitespace(last.text);
            if (candidate.empty()) {
                error_ = "empty <>";
                return;
            }
        } else {
            if (last.kind == Token::Kind::quoted) {
                error_ = "a name but no address";
                return;
            }
            if (last.text.find('@') == std::string::npos) {
                error_ = tokens_.size() == 1 ? "no '@' in the address" : "no address (no '@')";
                return;
            }
            for (std::size_t k = 0; k + 1 < tokens_.size(); ++k)
                if (tokens_[k].kind != Token::Kind::quoted) {
                    error_ = "a name before an address needs quotes, or the address needs <>";
                    return;
                }
            candidate = last.text;
        }
        if (util::startsWithNoCase(candidate, "mailto:")) {
            candidate.remove_prefix(7);
            candidate = candidate.substr(0, candidate.find('?'));  // ?subject=... is not part of it
            if (candidate.empty()) {
                error_ = "empty mailto:";
                return;
            }
        }
        std::string why;
        auto address = store::canonicalMailbox(candidate, why);
        if (!address) {
            error_ = why.empty() ? "not an address" : why;
            return;
        }
        out_.addresses.push_back({std::move(*address), item_line_});
    }

    std::string_view text_;
    State state_ = State::between;
    std::size_t line_ = 1;
    bool started_ = false;
    std::size_t item_start_ = 0;
    std::size_t item_line_ = 1;
    int depth_ = 0;
    std::vector<Token> tokens_;
    std::string error_;
    AddressList out_;
};

}  // namespace

AddressList parseAddressList(std::string_view text) {
    return Reader(text).run();
}

}  // namespace moat::policy
