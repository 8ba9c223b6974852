#include "scan/password_candidates.h"

#include <algorithm>
#include <array>
#include <span>

namespace moat::scan {
namespace {

// Keywords as case-folded words, and the one phrase of several.
constexpr std::string_view kSingle[] = {
    "password",   "passwort", "passwd",   "passcode",    "passphrase",   "pass",    "pwd",
    "pw",         "kennwort", "mdp",      "contraseña",  "contrasena",   "clave",   "senha",
    "wachtwoord", "parola",   "hasło",    "haslo",       "heslo",        "jelszó",  "jelszo",
    "salasana",   "lösenord", "losenord", "adgangskode", "passord",      "lozinka", "şifre",
    "sifre",      "пароль",   "密码",     "パスワード",  "mot-de-passe",
};
constexpr std::string_view kMotDePasse[] = {"mot", "de", "passe"};

// Words between a keyword and the password that are never the password.
constexpr std::string_view kFillers[] = {
    "is",        "ist",       "lautet",  "est",    "es",         "era",    "è",       "é",
    "är",        "er",        "on",      "jest",   "to",         "wynosi", "je",      "for",
    "für",       "pour",      "para",    "per",    "voor",       "dla",    "the",     "der",
    "die",       "das",       "le",      "la",     "les",        "el",     "il",      "de",
    "del",       "des",       "du",      "het",    "of",         "a",      "an",      "zip",
    "file",      "files",     "archive", "archiv", "attachment", "anhang", "datei",   "fichier",
    "protected", "geschützt", "protégé", "below",  "follows",    "folgt",  "here",    "hier",
    "ici",       "your",      "ihr",     "votre",  "new",        "neues",  "nouveau", "-",
    "=",         "->",        "=>",      "\u2013", "\u2014",     "\u2192",
};

// Quotation marks: an opening mark and the marks that may close it.
struct QuoteMarks {
    std::string_view open;
    std::string_view close1;
    std::string_view close2;
};
constexpr QuoteMarks kQuotes[] = {
    {"\"", "\"", "\""},
    {"'", "'", "'"},
    {"`", "`", "`"},
    {"\u00ab", "\u00bb", "\u00bb"},  // « »
    {"\u00bb", "\u00ab", "\u00ab"},  // » «
    {"\u201c", "\u201d", "\u201c"},  // “ ” or “ “
    {"\u201e", "\u201c", "\u201d"},  // „ “ or „ ”
    {"\u2018", "\u2019", "\u2019"},  // ‘ ’
    {"\u201a", "\u2018", "\u2019"},  // ‚ ‘ or ‚ ’
    {"\u300c", "\u300d", "\u300d"},  // 「 」
};

// Trimmed from both ends of a word: sentence punctuation and quotation marks.
constexpr std::string_view kPunctuation[] = {
    "\"",     "'",      "`",      "(",      ")",      "[",      "]",      "{",
    "}",      "<",      ">",      ".",      ",",      ";",      ":",      "!",
    "?",      "*",      "\u00ab", "\u00bb", "\u201c", "\u201d", "\u201e", "\u2018",
    "\u2019", "\u201a", "\u300c", "\u300d", "\uff1a", "\u2026",
};
constexpr std::string_view kQuoteSpaces[] = {" ", "\t", "\u00a0", "\u202f"};
constexpr std::string_view kSeparators[] = {":", "=", "\uff1a"};  // "pwd=x", "密码：x"

constexpr std::size_t kWindowWords = 3;   // words taken after a keyword
constexpr std::size_t kWindowTokens = 8;  // tokens looked at after a keyword

struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool empty() const { return begin >= end; }
};

struct Quote {
    std::size_t open = 0;  // where the opening mark starts
    Span content;
    std::size_t after = 0;  // just past the closing mark
};

bool asciiSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// Lower case for ASCII, Latin-1, Latin Extended-A and basic Cyrillic, byte
// for byte the same length, so offsets into the folded text are offsets
// into the original.
std::string foldCase(std::string_view text) {
    std::string out(text);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto b0 = static_cast<unsigned char>(out[i]);
        if (b0 >= 'A' && b0 <= 'Z') {
            out[i] = static_cast<char>(b0 + 32);
            continue;
        }
        if (i + 1 >= out.size() || (b0 & 0xe0) != 0xc0) continue;
        auto b1 = static_cast<unsigned char>(out[i + 1]);
        if ((b1 & 0xc0) != 0x80) continue;
        unsigned cp = ((b0 & 0x1fu) << 6) | (b1 & 0x3fu);
        unsigned lower = cp;
        if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
            lower = cp + 0x20;
        else if (cp >= 0x100 && cp <= 0x137 && cp % 2 == 0)
            lower = cp + 1;
        else if (cp >= 0x139 && cp <= 0x148 && cp % 2 == 1)
            lower = cp + 1;
        else if (cp >= 0x14a && cp <= 0x177 && cp % 2 == 0)
            lower = cp + 1;
        else if (cp >= 0x179 && cp <= 0x17e && cp % 2 == 1)
            lower = cp + 1;
        else if (cp >= 0x410 && cp <= 0x42f)
            lower = cp + 0x20;
        out[i] = static_cast<char>(0xc0 | (lower >> 6));
        out[i + 1] = static_cast<char>(0x80 | (lower & 0x3f));
        ++i;
    }
    return out;
}

std::vector<Span> tokenize(std::string_view text) {
    std::vector<Span> tokens;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && asciiSpace(text[i])) ++i;
        std::size_t begin = i;
        while (i < text.size() && !asciiSpace(text[i])) ++i;
        if (i > begin) tokens.push_back({begin, i});
    }
    return tokens;
}

// s without any of marks at either end.
Span trimAny(std::string_view text, Span s, std::span<const std::string_view> marks) {
    for (bool changed = true; changed && !s.empty();) {
        changed = false;
        for (auto m : marks) {
            std::string_view inside = text.substr(s.begin, s.end - s.begin);
            if (inside.starts_with(m)) {
                s.begin += m.size();
                changed = true;
            } else if (inside.ends_with(m)) {
                s.end -= m.size();
                changed = true;
            }
            if (s.empty()) break;
        }
    }
    return s;
}

// The quoted strings on one line, 1..max_length bytes, left to right. A
// straight single quote counts only around one word, so that apostrophes
// ("don't ... it's") are not taken for quotes.
std::vector<Quote> findQuotes(std::string_view text, std::size_t max_length) {
    std::vector<Quote> quotes;
    std::size_t i = 0;
    while (i < text.size()) {
        const QuoteMarks* marks = nullptr;
        for (const auto& q : kQuotes)
            if (text.substr(i).starts_with(q.open)) marks = &q;
        if (!marks) {
            ++i;
            continue;
        }
        bool single = marks->open == "'";
        if (single && i > 0 && !asciiSpace(text[i - 1]) && text[i - 1] != '(' &&
            text[i - 1] != ':' && text[i - 1] != '=') {
            ++i;
            continue;
        }
        std::size_t begin = i + marks->open.size();
        std::size_t limit = std::min(text.size(), begin + max_length + 1);
        std::size_t j = begin;
        std::size_t close = 0;
        for (; j < limit && text[j] != '\n' && !(single && asciiSpace(text[j])); ++j) {
            std::string_view rest = text.substr(j);
            if (rest.starts_with(marks->close1))
                close = marks->close1.size();
            else if (rest.starts_with(marks->close2))
                close = marks->close2.size();
            if (close) break;
        }
        // Without the spaces typography puts inside quotes ("« mot »").
        Span content = trimAny(text, {begin, j}, kQuoteSpaces);
        if (!close || content.empty()) {
            i = begin;
            continue;
        }
        quotes.push_back({i, content, j + close});
        i = j + close;
    }
    return quotes;
}

Span trim(std::string_view text, Span s) {
    return trimAny(text, s, kPunctuation);
}

bool contains(std::span<const std::string_view> words, std::string_view w) {
    return std::find(words.begin(), words.end(), w) != words.end();
}

bool isKeywordWord(std::string_view w) {
    return contains(kSingle, w);
}

class Extractor {
  public:
    Extractor(std::string_view text, const CandidateLimits& limits)
        : text_(text),
          folded_(foldCase(text)),
          limits_(limits),
          tokens_(tokenize(text)),
          quotes_(findQuotes(text, limits.max_length)) {}

    std::vector<std::string> run() {
        for (std::size_t t = 0; t < tokens_.size();) t = afterKeyword(t);
        for (const auto& q : quotes_) add(kQuoted, q.content);
        std::vector<std::string> out;
        for (const auto& tier : tiers_)
            for (const auto& c : tier) {
                if (out.size() >= limits_.max_candidates) return out;
                if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
            }
        return out;
    }

  private:
    // Likelihood tiers, most likely first.
    enum Tier { kFirst, kFirstAsWritten, kNear, kNearAsWritten, kQuoted, kTiers };

    std::string_view folded(Span s) const {
        return std::string_view(folded_).substr(s.begin, s.end - s.begin);
    }

    void add(Tier tier, Span s) {
        if (s.empty() || s.end - s.begin > limits_.max_length) return;
        std::string c(text_.substr(s.begin, s.end - s.begin));
        for (char ch : c)
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return;
        auto& list = tiers_[tier];
        if (list.size() < limits_.max_candidates &&
            std::find(list.begin(), list.end(), c) == list.end())
            list.push_back(std::move(c));
    }

    // A word offered as it is written and trimmed of punctuation.
    void addWord(bool first, Span raw) {
        add(first ? kFirst : kNear, trim(text_, raw));
        add(first ? kFirstAsWritten : kNearAsWritten, raw);
    }

    const Quote* quoteAt(std::size_t pos) const {
        auto q = std::lower_bound(quotes_.begin(), quotes_.end(), pos,
                                  [](const Quote& a, std::size_t p) { return a.open < p; });
        return q != quotes_.end() && q->open == pos ? &*q : nullptr;
    }

    bool newlineBefore(std::size_t i) const {
        std::size_t from = i > 0 ? tokens_[i - 1].end : 0;
        return text_.substr(from, tokens_[i].begin - from).find('\n') != std::string_view::npos;
    }

    // Matches a keyword at token t; returns the tokens it used (0: none) and
    // the value written into its last word ("pwd=x"), if any.
    std::size_t matchKeyword(std::size_t t, Span& inline_value) const {
        auto wordAt = [&](std::size_t i) { return folded(trim(folded_, tokens_[i])); };
        if (t + 3 <= tokens_.size() && wordAt(t) == kMotDePasse[0] &&
            wordAt(t + 1) == kMotDePasse[1] && wordAt(t + 2) == kMotDePasse[2])
            return 3;
        Span word = trim(folded_, tokens_[t]);
        if (isKeywordWord(folded(word))) return 1;
        for (auto k : kSingle) {
            if (!folded(word).starts_with(k)) continue;
            for (auto sep : kSeparators) {
                if (!folded(word).substr(k.size()).starts_with(sep)) continue;
                inline_value = {word.begin + k.size() + sep.size(), tokens_[t].end};
                return 1;
            }
        }
        return 0;
    }

    // Takes the candidates after a keyword at token t; returns the next token to look at.
    std::size_t afterKeyword(std::size_t t) {
        Span inline_value;
        std::size_t used = matchKeyword(t, inline_value);
        if (!used) return t + 1;
        std::size_t words = 0;
        std::size_t i = t + used;
        if (!inline_value.empty()) {
            if (const Quote* q = quoteAt(inline_value.begin)) {
                add(kFirst, q->content);
                while (i < tokens_.size() && tokens_[i].begin < q->after) ++i;
            } else {
                addWord(true, inline_value);
            }
            ++words;
        }
        for (std::size_t seen = 0;
             i < tokens_.size() && words < kWindowWords && seen < kWindowTokens; ++seen) {
            if (words > 0 && newlineBefore(i))
                break;  // the password may be on the next line, no more
            if (const Quote* q = quoteAt(tokens_[i].begin)) {
                add(words++ == 0 ? kFirst : kNear, q->content);
                while (i < tokens_.size() && tokens_[i].begin < q->after) ++i;
                continue;
            }
            Span word = trim(folded_, tokens_[i]);
            Span unused;
            if (!word.empty() && matchKeyword(i, unused)) break;
            if (!word.empty() && !contains(kFillers, folded(word)))
                addWord(words++ == 0, tokens_[i]);
            ++i;
        }
        return i;
    }

    std::string_view text_;
    std::string folded_;
    const CandidateLimits& limits_;
    std::vector<Span> tokens_;
    std::vector<Quote> quotes_;
    std::array<std::vector<std::string>, kTiers> tiers_;
};

}  // namespace

std::vector<std::string> passwordCandidates(std::string_view text, const CandidateLimits& limits) {
    return Extractor(text.substr(0, limits.max_text_bytes), limits).run();
}

std::vector<std::string> passwordCandidates(const content::DecodedMessage& message,
                                            const CandidateLimits& limits) {
    std::string text;
    if (const auto* subject = message.header("Subject")) text = subject->value + "\n";
    for (const auto& part : message.texts) {
        if (text.size() >= limits.max_text_bytes) break;
        text += part.text;
        text += '\n';
    }
    return passwordCandidates(text, limits);
}

}  // namespace moat::scan
