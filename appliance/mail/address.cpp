// Strict RFC 5321 §4.1.2 path parser: one byte-level state machine over the
// argument of MAIL FROM / RCPT TO, in the manner of nginx' ngx_mail_parse.c.
// A "character" is one ASCII byte or, with SMTPUTF8, one well-formed UTF-8
// sequence; anything the grammar does not name is refused, nothing is repaired.
// Error texts never quote client input, so a reply cannot carry what was sent.
#include "mail/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstddef>

namespace moat::mail {

namespace {

constexpr std::size_t kMaxLocal = 64;    // RFC 5321 §4.5.3.1.1
constexpr std::size_t kMaxDomain = 255;  // RFC 5321 §4.5.3.1.2
constexpr std::size_t kMaxLabel = 63;    // RFC 1035 §2.3.4
constexpr std::size_t kMaxPath = 256;    // RFC 5321 §4.5.3.1.3, "<" and ">" included
constexpr std::size_t kMaxLiteral = 64;  // longer than any IPv4/IPv6 literal
constexpr std::size_t kMaxParams = 16;   // more than every extension we know together

constexpr int kEnd = -1;        // end of input
constexpr int kNonAscii = 256;  // one well-formed UTF-8 sequence (SMTPUTF8 only)

struct Failure {
    int code;
    const char* enhanced;
    const char* text;
};

constexpr Failure kNoBrackets{501, "5.5.2", "Syntax: address must be enclosed in <>"};
constexpr Failure kUnterminated{501, "5.5.2", "Syntax: missing '>' after address"};
constexpr Failure kControl{501, "5.5.2", "Syntax: control character in address or parameters"};
constexpr Failure kJunk{501, "5.5.2", "Syntax: unexpected text after address"};
constexpr Failure kEightBit{553, "5.6.7", "non-ASCII address requires SMTPUTF8"};
constexpr Failure kBadUtf8{501, "5.1.3", "Bad address syntax: malformed UTF-8"};
constexpr Failure kNullRefused{553, "5.1.3", "null address not allowed here"};
constexpr Failure kEmpty{501, "5.1.3", "Bad address syntax: empty address"};
constexpr Failure kEmptyLocal{501, "5.1.3", "Bad address syntax: empty local part"};
constexpr Failure kLocalChar{501, "5.1.3", "Bad address syntax: bad character in local part"};
constexpr Failure kDot{501, "5.1.3", "Bad address syntax: misplaced dot in local part"};
constexpr Failure kBadQuote{501, "5.1.3", "Bad address syntax: bad quoted local part"};
constexpr Failure kLocalLong{501, "5.1.3", "Bad address syntax: local part longer than 64 octets"};
constexpr Failure kNoDomain{501, "5.1.3", "Bad address syntax: address needs a domain"};
constexpr Failure kSecondAt{501, "5.1.3", "Bad address syntax: more than one '@'"};
constexpr Failure kDomainChar{501, "5.1.3", "Bad address syntax: bad character in domain"};
constexpr Failure kEmptyLabel{501, "5.1.3", "Bad address syntax: empty label in domain"};
constexpr Failure kTrailingDot{501, "5.1.3", "Bad address syntax: trailing dot in domain"};
constexpr Failure kHyphen{501, "5.1.3", "Bad address syntax: domain label begins or ends with '-'"};
constexpr Failure kLabelLong{501, "5.1.3",
                             "Bad address syntax: domain label longer than 63 octets"};
constexpr Failure kDomainLong{501, "5.1.3", "Bad address syntax: domain longer than 255 octets"};
constexpr Failure kNumeric{501, "5.1.3",
                           "Bad address syntax: numeric domain (IP addresses go in brackets)"};
constexpr Failure kLiteral{501, "5.1.3", "Bad address syntax: bad address literal"};
constexpr Failure kRoute{501, "5.1.3", "Bad address syntax: bad source route"};
constexpr Failure kPathLong{501, "5.1.3", "Bad address syntax: path longer than 256 octets"};
constexpr Failure kParam{555, "5.5.4", "Syntax: malformed ESMTP parameter"};
constexpr Failure kParamEightBit{555, "5.5.4", "non-ASCII parameter requires SMTPUTF8"};
constexpr Failure kParamUtf8{555, "5.5.4", "Syntax: malformed UTF-8 in ESMTP parameter"};
constexpr Failure kTooManyParams{555, "5.5.4", "Syntax: too many ESMTP parameters"};

enum class State {
    start,         // before '<'
    open,          // after '<' (or at the start of a bare mailbox)
    route_at,      // after ',' in a source route: the next hop's '@'
    mailbox,       // after the route's ':': the local part begins
    atom,          // inside an atom of a Dot-string local part
    atom_dot,      // after a '.' in a Dot-string
    quoted,        // inside a Quoted-string
    quoted_pair,   // after '\' in a Quoted-string
    quoted_end,    // after the closing '"'
    domain_start,  // after '@'
    label,         // inside a domain label
    label_start,   // after a '.' in a domain
    literal,       // inside "[...]"
    literal_end,   // after ']'
    close,         // after '>'
    param_space,   // between ESMTP parameters
    keyword,       // inside an esmtp-keyword
    value_start,   // after '='
    value,         // inside an esmtp-value
};

bool inParams(State s) {
    return s == State::close || s == State::param_space || s == State::keyword ||
           s == State::value_start || s == State::value;
}

bool isAlpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isDigit(int c) {
    return c >= '0' && c <= '9';
}
bool isAlnum(int c) {
    return isAlpha(c) || isDigit(c);
}

// RFC 5322 atext, extended by RFC 6531 with UTF-8.
bool isAtext(int c) {
    constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
    if (c == kNonAscii || isAlnum(c)) return true;
    return c > 0 && c < 0x80 && kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
}

bool isQtext(int c) {  // qtextSMTP
    return c == kNonAscii || c == 32 || c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126);
}
bool isQuotedPair(int c) {
    return c >= 32 && c <= 126;
}  // quoted-pairSMTP
bool isDtext(int c) {
    return (c >= 33 && c <= 90) || (c >= 94 && c <= 126);
}  // dcontent
bool isLetDig(int c) {
    return c == kNonAscii || isAlnum(c);
}  // U-label bytes count as letters
bool isValue(int c) {  // esmtp-value
    return c == kNonAscii || (c >= 33 && c <= 60) || (c >= 62 && c <= 126);
}

char lower(int c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}
char upper(int c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c);
}

// Length of the well-formed UTF-8 sequence starting at s[i] (lead byte >= 0x80),
// or 0: no overlong forms, no surrogates, nothing above U+10FFFF.
std::size_t utf8Length(std::string_view s, std::size_t i) {
    auto at = [&](std::size_t k) -> unsigned {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    auto cont = [](unsigned b) { return (b & 0xC0u) == 0x80u; };
    unsigned b0 = at(0);
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(at(1)) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
        return at(1) >= lo && at(1) <= hi && cont(at(2)) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
        return at(1) >= lo && at(1) <= hi && cont(at(2)) && cont(at(3)) ? 4 : 0;
    }
    return 0;
}

// A Dot-string needs no quotes: Atom *("." Atom).
bool isDotString(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    char prev = 0;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '.' && prev == '.') return false;
        if (c != '.' && c < 0x80 && !isAtext(c)) return false;
        prev = ch;
    }
    return true;
}

// The wire form of a quoted local part's content: bare when it is a
// Dot-string, else quoted with only '"' and '\' escaped.
std::string canonicalLocal(std::string_view content) {
    if (isDotString(content)) return std::string(content);
    std::string out = "\"";
    for (char c : content) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

// "[192.0.2.1]" or "[IPv6:2001:db8::1]" in canonical form, or "" when the
// literal is not a valid IPv4/IPv6 address (general literals are refused).
std::string canonicalLiteral(const std::string& content) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (content.size() > 5 && (content[0] == 'I' || content[0] == 'i') &&
        (content[1] == 'P' || content[1] == 'p') && (content[2] == 'v' || content[2] == 'V') &&
        content[3] == '6' && content[4] == ':') {
        in6_addr a6{};
        if (inet_pton(AF_INET6, content.c_str() + 5, &a6) != 1) return {};
        if (inet_ntop(AF_INET6, &a6, buf, sizeof buf) == nullptr) return {};
        std::string out = "[IPv6:";  // appended, not "lit" + string: GCC 12 -O3 warns falsely (-Wrestrict)
        out.append(buf).append("]");
        return out;
    }
    in_addr a4{};
    if (inet_pton(AF_INET, content.c_str(), &a4) != 1) return {};
    if (inet_ntop(AF_INET, &a4, buf, sizeof buf) == nullptr) return {};
    std::string out = "[";
    out.append(buf).append("]");
    return out;
}

PathResult fail(const Failure& f) {
    PathResult r;
    r.code = f.code;
    r.enhanced = f.enhanced;
    r.error = f.text;
    return r;
}

// The domain (or source-route hop) being read, label by label.
struct DomainReader {
    std::string text;
    std::size_t label_len = 0;
    bool label_numeric = true;
    int label_last = 0;

    void reset() {
        text.clear();
        startLabel();
    }
    void startLabel() {
        label_len = 0;
        label_numeric = true;
        label_last = 0;
    }
    // Appends one character (len input bytes at p); false when the label gets too long.
    bool add(int c, const char* p, std::size_t len) {
        if (c == kNonAscii)
            text.append(p, len);
        else
            text += lower(c);
        label_len += len;
        label_numeric = label_numeric && isDigit(c);
        label_last = c;
        return label_len <= kMaxLabel;
    }
    [[nodiscard]] const Failure* endLabel() const { return label_last == '-' ? &kHyphen : nullptr; }
    [[nodiscard]] const Failure* end() const {
        if (label_last == '-') return &kHyphen;
        if (label_numeric) return &kNumeric;  // RFC 3696 §2: a TLD is never all-numeric
        if (text.size() > kMaxDomain) return &kDomainLong;
        return nullptr;
    }
};

// The one parser behind parsePath (bracketed) and parseMailbox (bare).
PathResult parse(std::string_view in, bool allow_null, bool utf8, bool bracketed) {
    for (char ch : in) {
        auto b = static_cast<unsigned char>(ch);
        if (b < 0x20 || b == 0x7F) return fail(kControl);
    }

    State state = bracketed ? State::start : State::open;
    Address addr;
    std::vector<EsmtpParam> params;
    DomainReader domain;
    std::string quoted, literal, keyword, value;
    bool in_route = false;
    std::size_t path_begin = 0, local_begin = 0;

    auto finish = [&]() {
        if (!bracketed && in.size() + 2 > kMaxPath) return fail(kPathLong);
        PathResult r;
        r.address = std::move(addr);
        r.params = std::move(params);
        return r;
    };
    auto push = [&]() {
        if (params.size() == kMaxParams) return false;
        params.emplace_back(std::move(keyword), std::move(value));
        keyword.clear();
        value.clear();
        return true;
    };
    // At '@': the local part as given (quotes and escapes included) is at most 64 octets.
    auto endLocal = [&](std::size_t pos) -> const Failure* {
        if (pos - local_begin > kMaxLocal) return &kLocalLong;
        domain.reset();
        return nullptr;
    };
    // At '>' (bracketed) or end of input (bare) after the domain.
    auto endPath = [&](std::size_t pos) -> const Failure* {
        if (bracketed && pos + 1 - path_begin > kMaxPath) return &kPathLong;
        return nullptr;
    };

    for (std::size_t pos = 0;;) {
        int c;
        std::size_t len = 1;
        if (pos == in.size()) {
            c = kEnd;
            len = 0;
        } else if (static_cast<unsigned char>(in[pos]) < 0x80) {
            c = static_cast<unsigned char>(in[pos]);
        } else {
            bool params_part = inParams(state);
            if (!utf8) return fail(params_part ? kParamEightBit : kEightBit);
            len = utf8Length(in, pos);
            if (len == 0) return fail(params_part ? kParamUtf8 : kBadUtf8);
            if (static_cast<unsigned char>(in[pos]) == 0xC2 &&
                static_cast<unsigned char>(in[pos + 1]) < 0xA0)
                return fail(kControl);  // C1 controls U+0080..U+009F
            c = kNonAscii;
        }
        const char* p = in.data() + pos;

        switch (state) {
            case State::start:
                if (c == ' ') break;
                if (c != '<') return fail(kNoBrackets);
                path_begin = pos;
                state = State::open;
                break;

            case State::open:
            case State::mailbox:
                if (c == '"') {
                    local_begin = pos;
                    state = State::quoted;
                } else if (isAtext(c)) {
                    local_begin = pos;
                    state = State::atom;
                } else if (c == '.') {
                    return fail(kDot);
                } else if (state == State::mailbox) {
                    return fail(c == '>' || c == kEnd ? kRoute : kLocalChar);
                } else if (c == '>' && bracketed) {
                    if (!allow_null) return fail(kNullRefused);
                    addr.null = true;
                    state = State::close;
                } else if (c == '@' && bracketed) {
                    in_route = true;
                    addr.had_source_route = true;
                    domain.reset();
                    state = State::domain_start;
                } else if (c == kEnd) {
                    return fail(bracketed ? kUnterminated : kEmpty);
                } else {
                    return fail(kLocalChar);
                }
                break;

            case State::route_at:
                if (c != '@') return fail(kRoute);
                domain.reset();
                state = State::domain_start;
                break;

            case State::atom:
                if (isAtext(c)) break;
                if (c == '.') {
                    state = State::atom_dot;
                } else if (c == '@') {
                    if (auto f = endLocal(pos)) return fail(*f);
                    addr.local.assign(in.substr(local_begin, pos - local_begin));
                    state = State::domain_start;
                } else if (c == kEnd && bracketed) {
                    return fail(kUnterminated);
                } else if (c == kEnd || c == '>') {
                    return fail(kNoDomain);
                } else {
                    return fail(kLocalChar);
                }
                break;

            case State::atom_dot:
                if (!isAtext(c)) return fail(c == kEnd && bracketed ? kUnterminated : kDot);
                state = State::atom;
                break;

            case State::quoted:
                if (c == '"') {
                    state = State::quoted_end;
                } else if (c == '\\') {
                    state = State::quoted_pair;
                } else if (isQtext(c)) {
                    quoted.append(p, len);
                } else {
                    return fail(c == kEnd && bracketed ? kUnterminated : kBadQuote);
                }
                break;

            case State::quoted_pair:
                if (!isQuotedPair(c)) return fail(kBadQuote);
                quoted += static_cast<char>(c);
                state = State::quoted;
                break;

            case State::quoted_end:
                if (c != '@') return fail(kBadQuote);
                if (quoted.empty()) return fail(kEmptyLocal);
                if (auto f = endLocal(pos)) return fail(*f);
                addr.local = canonicalLocal(quoted);
                addr.quoted = true;
                state = State::domain_start;
                break;

            case State::domain_start:
            case State::label_start:
                if (isLetDig(c)) {
                    domain.startLabel();
                    domain.add(c, p, len);
                    state = State::label;
                } else if (c == '[' && state == State::domain_start) {
                    if (in_route) return fail(kRoute);
                    state = State::literal;
                } else if (c == '-') {
                    return fail(kHyphen);
                } else if (c == '.') {
                    return fail(kEmptyLabel);
                } else if (c == '@') {
                    return fail(in_route ? kRoute : kSecondAt);
                } else if (c == '>' || c == kEnd || c == ',' || c == ':') {
                    if (state == State::label_start) return fail(kTrailingDot);
                    return fail(in_route ? kRoute : kNoDomain);
                } else {
                    return fail(kDomainChar);
                }
                break;

            case State::label:
                if (isLetDig(c) || c == '-') {
                    if (!domain.add(c, p, len)) return fail(kLabelLong);
                } else if (c == '.') {
                    if (auto f = domain.endLabel()) return fail(*f);
                    domain.text += '.';
                    state = State::label_start;
                } else if (in_route && (c == ',' || c == ':')) {
                    if (auto f = domain.end()) return fail(*f);
                    if (c == ':') in_route = false;
                    state = c == ',' ? State::route_at : State::mailbox;
                } else if (in_route) {
                    return fail(c == '@' || c == '>' || c == kEnd ? kRoute : kDomainChar);
                } else if ((c == '>' && bracketed) || (c == kEnd && !bracketed)) {
                    if (auto f = domain.end()) return fail(*f);
                    if (auto f = endPath(pos)) return fail(*f);
                    addr.domain = std::move(domain.text);
                    if (c == kEnd) return finish();
                    state = State::close;
                } else if (c == kEnd) {
                    return fail(kUnterminated);
                } else if (c == '@') {
                    return fail(kSecondAt);
                } else {
                    return fail(kDomainChar);
                }
                break;

            case State::literal:
                if (c == ']') {
                    addr.domain = canonicalLiteral(literal);
                    if (addr.domain.empty()) return fail(kLiteral);
                    addr.domain_literal = true;
                    state = State::literal_end;
                } else if (isDtext(c) && literal.size() < kMaxLiteral) {
                    literal += static_cast<char>(c);
                } else {
                    return fail(c == kEnd && bracketed ? kUnterminated : kLiteral);
                }
                break;

            case State::literal_end:
                if ((c == '>' && bracketed) || (c == kEnd && !bracketed)) {
                    if (auto f = endPath(pos)) return fail(*f);
                    if (c == kEnd) return finish();
                    state = State::close;
                } else if (c == kEnd) {
                    return fail(kUnterminated);
                } else {
                    return fail(c == '@' ? kSecondAt : kLiteral);
                }
                break;

            case State::close:
                if (c == kEnd) return finish();
                if (c != ' ') return fail(kJunk);
                state = State::param_space;
                break;

            case State::param_space:
                if (c == ' ') break;
                if (c == kEnd) return finish();
                if (!isAlnum(c)) return fail(kParam);
                keyword += upper(c);
                state = State::keyword;
                break;

            case State::keyword:
                if (isAlnum(c) || c == '-') {
                    keyword += upper(c);
                } else if (c == '=') {
                    state = State::value_start;
                } else if (c == ' ' || c == kEnd) {
                    if (!push()) return fail(kTooManyParams);
                    if (c == kEnd) return finish();
                    state = State::param_space;
                } else {
                    return fail(kParam);
                }
                break;

            case State::value_start:
            case State::value:
                if (isValue(c)) {
                    value.append(p, len);
                    state = State::value;
                } else if (state == State::value && (c == ' ' || c == kEnd)) {
                    if (!push()) return fail(kTooManyParams);
                    if (c == kEnd) return finish();
                    state = State::param_space;
                } else {
                    return fail(kParam);
                }
                break;
        }
        pos += len;
    }
}

}  // namespace

bool Address::localPartRoutes() const {
    return local.find_first_of("%!@") != std::string::npos;
}

PathResult parsePath(std::string_view argument, bool allow_null, bool utf8) {
    return parse(argument, allow_null, utf8, true);
}

std::optional<Address> parseMailbox(std::string_view text, bool utf8) {
    return parse(text, false, utf8, false).address;
}

}  // namespace moat::mail
