#include "content/bayes_tokenizer.h"

#include <algorithm>
#include <array>

#include "content/plain_markup.h"
#include "content/transit_fields.h"
#include "content/utf8.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

// FNV-1a, fed piece by piece, then a 64-bit finaliser (splitmix64's) so that
// near-identical tokens spread over the whole hash space.
struct Fnv {
    std::uint64_t h = 14695981039346656037ull;
    void feedByte(unsigned char c) {
        h ^= c;
        h *= 1099511628211ull;
    }
    void feed(std::string_view bytes) {
        for (unsigned char c : bytes) feedByte(c);
    }
    TokenHash finish() const {
        std::uint64_t x = h;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        return x ^ (x >> 31);
    }
};

// A text's words: their bytes in one buffer, each word a span of it. One
// buffer instead of a string a word: a message has hundreds of words, and
// the scan splits every message it judges.
struct WordList {
    std::string bytes;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;  // begin, size in bytes
    std::size_t size() const { return spans.size(); }
    std::string_view operator[](std::size_t i) const { return {bytes.data() + spans[i].first, spans[i].second}; }
};

// The OSB token of the word k places before `later`: "a b", "a _ b", ...
std::string osbText(std::string_view earlier, std::size_t k, std::string_view later) {
    std::string token(earlier);
    token += ' ';
    for (std::size_t gap = 1; gap < k; ++gap) token += "_ ";
    token += later;
    return token;
}

// Calls visit(hash, i, k) for every OSB token of seq (k = 0: the word i
// itself; k > 0: the pair of words i - k and i), hashing without building
// the pair's text: each word's FNV state after "word ", "word _ ", ... is
// kept for the kOsbWindow - 1 words after it and continued with the later
// word. A word is fed to its own hash and its pairs' at once: independent
// chains of multiplications, which the processor overlaps.
template <typename Visit>
void forEachOsbHash(const WordList& seq, Visit visit) {
    // prefixes[i % kOsbWindow][k]: word i's state after "word " and k - 1 "_ ".
    std::array<std::array<Fnv, kOsbWindow>, kOsbWindow> prefixes{};
    for (std::size_t i = 0; i < seq.size(); ++i) {
        std::array<Fnv, kOsbWindow> chains{};  // [0]: the word alone, [k]: the pair with word i - k
        const std::size_t pairs = std::min(kOsbWindow - 1, i);
        for (std::size_t k = 1; k <= pairs; ++k) chains[k] = prefixes[(i - k) % kOsbWindow][k];
        for (unsigned char c : seq[i])
            for (auto& chain : chains) chain.feedByte(c);
        visit(chains[0].finish(), i, std::size_t{0});
        Fnv f = chains[0];
        f.feed(" ");
        auto& mine = prefixes[i % kOsbWindow];
        mine[1] = f;
        for (std::size_t k = 2; k < kOsbWindow; ++k) {
            f.feed("_ ");
            mine[k] = f;
        }
        for (std::size_t k = 1; k <= pairs; ++k) visit(chains[k].finish(), i, k);
    }
}

bool isPunctuation(char32_t cp) {
    if (cp == '$' || cp == '%') return false;  // prices and percentages are evidence
    if (cp < 0x80) {
        return (cp >= '!' && cp <= '/') || (cp >= ':' && cp <= '@') || (cp >= '[' && cp <= '`') ||
               (cp >= '{' && cp <= '~');
    }
    return cp == 0xA1 || cp == 0xAB || cp == 0xBB || cp == 0xBF || (cp >= 0x2010 && cp <= 0x2027) ||
           (cp >= 0x2030 && cp <= 0x205E) || (cp >= 0x3000 && cp <= 0x303F) || cp == kReplacement ||
           (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||  // full-width marks
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65);
}

// Chinese, Japanese and Korean letters: scripts written without spaces
// between words (Korean's syllables are included: its words are long runs).
bool isCjk(char32_t cp) {
    return (cp >= 0x3040 && cp <= 0x30FF) ||  // Hiragana, Katakana
           (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK extension A
           (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK unified ideographs
           (cp >= 0xAC00 && cp <= 0xD7AF) ||  // Hangul syllables
           (cp >= 0xF900 && cp <= 0xFAFF);    // CJK compatibility ideographs
}

// Text split at white space, zero-width characters removed (they glue a
// split word back together), punctuation stripped from both ends. A run of
// CJK letters has no spaces to split at: it becomes its overlapping pairs of
// letters (one letter alone when the run is one letter), as search engines
// index those scripts without a dictionary.
WordList rawWords(std::string_view text, std::size_t max_words) {
    WordList words;
    words.bytes.reserve(text.size());
    std::string& bytes = words.bytes;
    std::size_t start = 0;  // the current word: bytes[start, end)
    auto add = [&](std::size_t begin, std::size_t size) {
        words.spans.emplace_back(static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(size));
    };
    // The current run of CJK letters: its length and last letter (each pair
    // is a word as soon as its second letter is read).
    std::size_t cjk_run = 0;
    std::string_view cjk_last;
    auto finishCjk = [&] {
        if (cjk_run == 1 && words.size() < max_words) {
            bytes.append(cjk_last);
            add(start, cjk_last.size());
            start = bytes.size();
        }
        cjk_run = 0;
    };
    auto finish = [&] {
        std::string_view current(bytes.data() + start, bytes.size() - start);
        std::size_t begin = 0, end = current.size();
        char32_t cp;
        while (begin < end) {
            std::size_t n = decodeUtf8(current, begin, cp);
            if (!isPunctuation(cp)) break;
            begin += n ? n : 1;
        }
        while (end > begin) {
            std::size_t from = end - 1;
            while (from > begin && (static_cast<unsigned char>(current[from]) & 0xC0) == 0x80) --from;
            decodeUtf8(current, from, cp);
            if (!isPunctuation(cp)) break;
            end = from;
        }
        if (end > begin) {
            add(start + begin, end - begin);
            bytes.resize(start + end);
        } else {
            bytes.resize(start);
        }
        start = bytes.size();
    };
    auto inWord = [&] { return bytes.size() > start; };
    char32_t cp;
    for (std::size_t i = 0; i < text.size() && words.size() < max_words;) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {  // ASCII, most of the text: no decoding, never invisible
            ++i;
            if (cjk_run > 0) finishCjk();
            if (c == ' ' || (c >= '\t' && c <= '\r')) {
                if (inWord()) finish();
            } else {
                bytes.push_back(static_cast<char>(c));
            }
            continue;
        }
        std::size_t n = decodeUtf8(text, i, cp);
        std::string_view letter = text.substr(i, n ? n : 1);
        i += n ? n : 1;
        if (isCjk(cp)) {
            if (inWord()) finish();
            if (cjk_run++ > 0) {
                bytes.append(cjk_last).append(letter);
                add(start, cjk_last.size() + letter.size());
                start = bytes.size();
            }
            cjk_last = letter;
            continue;
        }
        if (isInvisible(cp)) continue;  // neither ends a CJK run nor splits a word
        if (cjk_run > 0) finishCjk();
        if (isSpace(cp)) {
            if (inWord()) finish();
        } else {
            bytes.append(letter);
        }
    }
    if (cjk_run > 0) finishCjk();
    if (inWord() && words.size() < max_words) finish();
    return words;
}

bool isUrl(std::string_view word) {
    return word.find("://") != std::string_view::npos || word.rfind("www.", 0) == 0;
}

void urlTokens(std::string_view url, std::vector<std::string>& out) {
    std::size_t scheme_end = url.find("://");
    std::string_view rest = url;
    if (scheme_end != std::string_view::npos) {
        std::string_view scheme = url.substr(0, scheme_end);
        if (!scheme.empty() && scheme.size() <= 10) out.push_back("proto:" + std::string(scheme));
        rest = url.substr(scheme_end + 3);
    } else if (url.rfind("mailto:", 0) == 0) {
        rest = url.substr(7);
    }
    std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
    host = host.substr(0, host.find(':'));
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.empty() || host.size() > 253) return;
    std::string lowered = lowerUtf8(host);
    out.push_back("url:" + lowered);
    std::size_t last = lowered.rfind('.');
    if (last != std::string::npos && last > 0) {
        std::size_t before = lowered.rfind('.', last - 1);
        if (before != std::string::npos) out.push_back("url:domain:" + lowered.substr(before + 1));
    }
}

// Words ready for counting: lower-cased, short ones dropped, long ones as
// skip tokens; URLs become url tokens and leave the word sequence. HTML
// tags written into the text are not words (content/plain_markup.h).
// loweredWords takes a text lowerUtf8 has lowered already.
WordList loweredWords(std::string lowered, const TokenizerLimits& limits, std::vector<std::string>& extra) {
    replaceMarkup(lowered);
    WordList all = rawWords(lowered, limits.max_words);
    std::size_t kept = 0, urls = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        std::string_view w = all[i];
        if (isUrl(w)) {
            if (urls++ < limits.max_urls) urlTokens(w, extra);
            continue;
        }
        if (w.size() < 3) continue;
        if (w.size() > limits.max_word_bytes) {
            extra.push_back("skip:" + std::string(1, w[0]) + " " + std::to_string(w.size() / 10 * 10));
            continue;
        }
        all.spans[kept++] = all.spans[i];
    }
    all.spans.resize(kept);
    return all;
}

WordList words(std::string_view text, const TokenizerLimits& limits, std::vector<std::string>& extra) {
    return loweredWords(lowerUtf8(text), limits, extra);
}

// lowerUtf8(message.allText()), lowered part by part into one buffer
// instead of lowering a joined copy: the same bytes, one copy fewer.
std::string loweredText(const DecodedMessage& message) {
    std::string out;
    bool joined = false;  // allText() holds text: the next part starts with '\n'
    for (const auto& t : message.texts) {
        if (joined) out += '\n';
        joined = joined || !t.text.empty();
        if (!appendLowerUtf8(out, t.text)) break;  // lowerUtf8 cuts at the first NUL
    }
    return out;
}

void osb(const WordList& seq, std::vector<std::string>& out) {
    for (std::size_t i = 0; i < seq.size(); ++i) {
        out.emplace_back(seq[i]);
        for (std::size_t k = 1; k < kOsbWindow && k <= i; ++k)
            out.push_back(osbText(seq[i - k], k, seq[i]));
    }
}

void addressTokens(const std::string& prefix, std::string_view value, const TokenizerLimits& limits,
                   std::vector<std::string>& out) {
    std::string lowered = lowerUtf8(value);
    for (char& c : lowered)
        if (c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '(' || c == ')')
            c = ' ';
    WordList all = rawWords(lowered, limits.max_header_words);
    for (std::size_t i = 0; i < all.size() && i < limits.max_header_words; ++i) {
        std::string w(all[i]);
        auto at = w.rfind('@');
        if (at != std::string::npos && at > 0 && at + 1 < w.size()) {
            if (w.size() <= 254) out.push_back(prefix + "addr:" + w);
            out.push_back(prefix + "domain:" + w.substr(at + 1));
        } else if (w.size() >= 2 && w.size() <= limits.max_word_bytes) {
            out.push_back(prefix + w);
        }
    }
}

void headerWords(const std::string& prefix, std::string_view value, const TokenizerLimits& limits,
                 std::vector<std::string>& out) {
    std::vector<std::string> extra;
    TokenizerLimits header = limits;
    header.max_words = limits.max_header_words;
    WordList kept = words(value, header, extra);
    for (std::size_t i = 0; i < kept.size(); ++i) out.push_back(prefix + std::string(kept[i]));
    for (auto& e : extra) out.push_back(prefix + e);
}

bool named(const Header& h, std::string_view name) {
    return util::equalsNoCase(h.name, name);
}

// "hdr:<name>" once per field name the author's software wrote (lower-cased,
// at most 40 bytes): which fields a mailer writes, and which it leaves out, is
// its fingerprint — bulk senders' tools differ from people's mail programs.
void headerNames(const DecodedMessage& message, const TokenizerLimits& limits,
                 std::vector<std::string>& out) {
    std::size_t used = 0;
    for (const auto& h : message.headers) {
        if (++used > limits.max_header_names) break;
        std::string name = util::lowerAscii(h.name.substr(0, 40));
        if (!addedInTransit(name)) out.push_back("hdr:" + name);
    }
}

}  // namespace

std::vector<std::string> textTokens(std::string_view utf8_text, const TokenizerLimits& limits) {
    std::vector<std::string> out, extra;
    osb(words(utf8_text, limits, extra), out);
    out.insert(out.end(), extra.begin(), extra.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

namespace {

// A message's tokens in two parts: the body's word sequence (its OSB tokens
// are derived from it) and every other token's text.
struct TokenParts {
    WordList words;
    std::vector<std::string> others;
};

TokenParts tokenParts(const DecodedMessage& message, const TokenizerLimits& limits) {
    TokenParts parts;
    parts.words = loweredWords(loweredText(message), limits, parts.others);
    std::vector<std::string>& out = parts.others;

    // Received fields are left out: their hosts describe the path into one
    // organisation at one time, and measured on held-out later mail they
    // made the classifier worse (docs/content-analysis.md).
    for (const auto& h : message.headers) {
        if (named(h, "subject")) {
            headerWords("subject:", h.value, limits, out);
        } else if (named(h, "from") || named(h, "to") || named(h, "cc") || named(h, "reply-to")) {
            addressTokens(util::lowerAscii(h.name) + ":", h.value, limits, out);
        } else if (named(h, "x-mailer") || named(h, "user-agent")) {
            std::string prefix = util::lowerAscii(h.name) + ":";
            out.push_back(prefix + lowerUtf8(utf8Prefix(h.value, limits.max_word_bytes)));
            headerWords(prefix, h.value, limits, out);
        } else if (named(h, "content-type")) {
            std::string value = util::lowerAscii(h.value);
            out.push_back("content-type:" +
                          value.substr(0, std::min(value.find(';'), limits.max_word_bytes)));
            if (auto cs = value.find("charset="); cs != std::string::npos) {
                std::string charset = value.substr(cs + 8, limits.max_word_bytes);
                charset = charset.substr(0, charset.find_first_of("; "));
                charset.erase(std::remove(charset.begin(), charset.end(), '"'), charset.end());
                out.push_back("content-type:charset:" + charset);
            }
        }
    }
    headerNames(message, limits, out);
    std::size_t urls = 0;
    for (const auto& t : message.texts) {
        out.push_back("part:" + t.content_type);
        for (const auto& link : t.links)
            if (urls++ < limits.max_urls) urlTokens(lowerUtf8(link), out);
    }
    for (const auto& a : message.attachments) {
        out.push_back("attach:type:" + a.content_type.substr(0, limits.max_word_bytes));
        auto dot = a.filename.rfind('.');
        if (dot != std::string::npos && a.filename.size() - dot <= 11)
            out.push_back("attach:ext:" + lowerUtf8(a.filename.substr(dot + 1)));
    }
    for (const auto& [name, count] : message.anomalies) out.push_back("anomaly:" + name);
    return parts;
}

}  // namespace

std::vector<std::string> tokenize(const DecodedMessage& message, const TokenizerLimits& limits) {
    TokenParts parts = tokenParts(message, limits);
    std::vector<std::string> out = std::move(parts.others);
    osb(parts.words, out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<TokenHash> tokenHashes(const DecodedMessage& message, const TokenizerLimits& limits) {
    TokenParts parts = tokenParts(message, limits);
    std::vector<TokenHash> out;
    out.reserve(parts.others.size() + parts.words.size() * kOsbWindow);
    for (const auto& t : parts.others) out.push_back(hashToken(t));
    forEachOsbHash(parts.words, [&](TokenHash h, std::size_t, std::size_t) { out.push_back(h); });
    sortUniqueHashes(out);
    return out;
}

void sortUniqueHashes(std::vector<TokenHash>& hashes) {
    const std::size_t n = hashes.size();
    if (n < 64) {
        std::sort(hashes.begin(), hashes.end());
    } else {
        // About four hashes a bucket: 2^bits buckets on the top bits.
        unsigned bits = 1;
        while (bits < 16 && (std::size_t{1} << (bits + 2)) < n) ++bits;
        const unsigned shift = 64 - bits;
        std::vector<std::uint32_t> start((std::size_t{1} << bits) + 1, 0);
        for (TokenHash h : hashes) ++start[(h >> shift) + 1];
        for (std::size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
        std::vector<TokenHash> out(n);
        for (TokenHash h : hashes) out[start[h >> shift]++] = h;
        // Every hash is now in its bucket and the buckets are in order:
        // insertion sort moves each one only within its bucket.
        for (std::size_t i = 1; i < n; ++i) {
            TokenHash h = out[i];
            std::size_t j = i;
            for (; j > 0 && out[j - 1] > h; --j) out[j] = out[j - 1];
            out[j] = h;
        }
        hashes.swap(out);
    }
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
}

std::unordered_map<TokenHash, std::string> tokenNames(const DecodedMessage& message,
                                                      const std::unordered_set<TokenHash>& wanted,
                                                      const TokenizerLimits& limits) {
    std::unordered_map<TokenHash, std::string> names;
    if (wanted.empty()) return names;
    TokenParts parts = tokenParts(message, limits);
    for (auto& t : parts.others)
        if (TokenHash h = hashToken(t); wanted.count(h)) names.emplace(h, std::move(t));
    forEachOsbHash(parts.words, [&](TokenHash h, std::size_t i, std::size_t k) {
        if (!wanted.count(h) || names.count(h)) return;
        names.emplace(h, k == 0 ? std::string(parts.words[i]) : osbText(parts.words[i - k], k, parts.words[i]));
    });
    return names;
}

TokenHash hashToken(std::string_view token) {
    Fnv f;
    f.feed(token);
    return f.finish();
}

std::vector<TokenHash> hashTokens(const std::vector<std::string>& tokens) {
    std::vector<TokenHash> out;
    out.reserve(tokens.size());
    for (const auto& t : tokens) out.push_back(hashToken(t));
    sortUniqueHashes(out);
    return out;
}

TokenHash messageDigest(const DecodedMessage& message) {
    std::string identity = "message-id:";
    if (const Header* id = message.header("Message-ID")) identity += id->value;
    identity += '\n';
    identity += message.allText();
    for (const auto& a : message.attachments)
        identity += "\n" + a.filename + "\n" + std::to_string(a.data_hash ? *a.data_hash : hashToken(a.data));
    return hashToken(identity);
}

}  // namespace moat::content
