#include "content/html_text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <unordered_map>
#include <utility>

#include "content/html_attributes.h"
#include "content/utf8.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

constexpr std::size_t kMaxAttributes = 64;
constexpr std::size_t kMaxNameLength = 64;

bool isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && isHtmlSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isHtmlSpace(s.back())) s.remove_suffix(1);
    return s;
}

// --- entities -------------------------------------------------------------

const std::unordered_map<std::string_view, char32_t>& namedEntities() {
    static const std::unordered_map<std::string_view, char32_t> table = [] {
        std::unordered_map<std::string_view, char32_t> t = {
            {"amp", '&'},        {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
            {"apos", '\''},      {"nbsp", 0xA0},     {"iexcl", 0xA1},    {"cent", 0xA2},
            {"pound", 0xA3},     {"curren", 0xA4},   {"yen", 0xA5},      {"brvbar", 0xA6},
            {"sect", 0xA7},      {"uml", 0xA8},      {"copy", 0xA9},     {"ordf", 0xAA},
            {"laquo", 0xAB},     {"not", 0xAC},      {"shy", 0xAD},      {"reg", 0xAE},
            {"macr", 0xAF},      {"deg", 0xB0},      {"plusmn", 0xB1},   {"sup2", 0xB2},
            {"sup3", 0xB3},      {"acute", 0xB4},    {"micro", 0xB5},    {"para", 0xB6},
            {"middot", 0xB7},    {"cedil", 0xB8},    {"sup1", 0xB9},     {"ordm", 0xBA},
            {"raquo", 0xBB},     {"frac14", 0xBC},   {"frac12", 0xBD},   {"frac34", 0xBE},
            {"iquest", 0xBF},    {"ensp", 0x2002},   {"emsp", 0x2003},   {"thinsp", 0x2009},
            {"zwnj", 0x200C},    {"zwj", 0x200D},    {"lrm", 0x200E},    {"rlm", 0x200F},
            {"ndash", 0x2013},   {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
            {"sbquo", 0x201A},   {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"bdquo", 0x201E},
            {"dagger", 0x2020},  {"Dagger", 0x2021}, {"bull", 0x2022},   {"hellip", 0x2026},
            {"permil", 0x2030},  {"prime", 0x2032},  {"lsaquo", 0x2039}, {"rsaquo", 0x203A},
            {"euro", 0x20AC},    {"trade", 0x2122},  {"larr", 0x2190},   {"uarr", 0x2191},
            {"rarr", 0x2192},    {"darr", 0x2193},   {"hearts", 0x2665}, {"OElig", 0x152},
            {"oelig", 0x153},    {"Scaron", 0x160},  {"scaron", 0x161},  {"Yuml", 0x178},
            {"fnof", 0x192},     {"circ", 0x2C6},    {"tilde", 0x2DC},   {"ZeroWidthSpace", 0x200B},
            {"NoBreak", 0x2060}, {"NewLine", '\n'},  {"Tab", '\t'},
        };
        // Latin-1 letters U+00C0..U+00FF in code point order.
        static constexpr std::array<std::string_view, 64> latin1 = {
            "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig", "Ccedil",
            "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc", "Iuml",
            "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",  "times",
            "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN", "szlig",
            "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig", "ccedil",
            "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc", "iuml",
            "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",  "divide",
            "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn", "yuml"};
        for (std::size_t i = 0; i < latin1.size(); ++i)
            t.emplace(latin1[i], static_cast<char32_t>(0xC0 + i));
        return t;
    }();
    return table;
}

// HTML5: numeric references to C1 controls mean the Windows-1252 characters.
char32_t windows1252(char32_t cp) {
    static constexpr std::array<char32_t, 32> c1 = {
        0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
    return cp >= 0x80 && cp <= 0x9F ? c1[cp - 0x80] : cp;
}

// Decodes the reference at text[pos] ('&'); returns its length, or 0 if it is
// a literal '&'. Legacy references without ';' are taken for the common names
// only, and in attribute values only when not followed by a letter or digit.
std::size_t decodeReference(std::string_view text, std::size_t pos, bool attribute, char32_t& cp) {
    std::size_t i = pos + 1;
    if (i < text.size() && text[i] == '#') {
        ++i;
        bool hex = i < text.size() && (text[i] == 'x' || text[i] == 'X');
        if (hex) ++i;
        std::size_t start = i;
        char32_t value = 0;
        while (i < text.size()) {
            char c = text[i];
            int digit = isDigit(c)                                  ? c - '0'
                        : hex && util::lowerAscii(c) >= 'a' && util::lowerAscii(c) <= 'f' ? util::lowerAscii(c) - 'a' + 10
                                                                    : -1;
            if (digit < 0) break;
            value =
                value > 0x10FFFF ? value : value * (hex ? 16 : 10) + static_cast<char32_t>(digit);
            ++i;
        }
        if (i == start) return 0;
        if (i < text.size() && text[i] == ';') ++i;
        if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
            cp = kReplacement;
        else
            cp = windows1252(value);
        return i - pos;
    }
    std::size_t start = i;
    while (i < text.size() && i - start < 32 && (isAlpha(text[i]) || isDigit(text[i]))) ++i;
    if (i == start) return 0;
    std::string_view name = text.substr(start, i - start);
    bool semicolon = i < text.size() && text[i] == ';';
    auto& table = namedEntities();
    if (semicolon) {
        auto it = table.find(name);
        if (it == table.end()) return 0;
        cp = it->second;
        return i + 1 - pos;
    }
    // Without ';': the longest legacy name that prefixes what follows.
    for (std::string_view legacy : {"nbsp", "amp", "copy", "quot", "reg", "lt", "gt"}) {
        if (name.substr(0, legacy.size()) != legacy) continue;
        std::size_t end = start + legacy.size();
        if (attribute && end < text.size() &&
            (isAlpha(text[end]) || isDigit(text[end]) || text[end] == '='))
            return 0;
        cp = table.at(legacy);
        return end - pos;
    }
    return 0;
}

std::string decodeEntities(std::string_view text, bool attribute) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] != '&') {  // the text up to the next reference, as it is
            const std::size_t next = std::min(text.find('&', i), text.size());
            out.append(text.substr(i, next - i));
            i = next;
            continue;
        }
        char32_t cp;
        const std::size_t n = decodeReference(text, i, attribute, cp);
        if (n == 0) {
            out += text[i++];
        } else {
            appendUtf8(out, cp);
            i += n;
        }
    }
    return out;
}

// --- colours and styles ---------------------------------------------------

struct Rgb {
    int r = 0, g = 0, b = 0;
};

bool near(const Rgb& a, const Rgb& b) {
    return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b) <= 24;
}

int hexDigit(char c) {
    c = util::lowerAscii(c);
    if (isDigit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<Rgb> hexColour(std::string_view h) {
    for (char c : h)
        if (hexDigit(c) < 0) return std::nullopt;
    if (h.size() == 3 || h.size() == 4)
        return Rgb{hexDigit(h[0]) * 17, hexDigit(h[1]) * 17, hexDigit(h[2]) * 17};
    if (h.size() == 6 || h.size() == 8)
        return Rgb{hexDigit(h[0]) * 16 + hexDigit(h[1]), hexDigit(h[2]) * 16 + hexDigit(h[3]),
                   hexDigit(h[4]) * 16 + hexDigit(h[5])};
    return std::nullopt;
}

std::optional<Rgb> parseColour(std::string_view text) {
    std::string v = util::lowerAscii(trim(text));
    if (v.empty()) return std::nullopt;
    if (v[0] == '#') return hexColour(std::string_view(v).substr(1));
    if (v.rfind("rgb", 0) == 0) {
        auto open = v.find('(');
        if (open == std::string::npos) return std::nullopt;
        int parts[3] = {0, 0, 0};
        std::size_t i = open + 1;
        for (int& part : parts) {
            while (i < v.size() && (v[i] == ' ' || v[i] == ',')) ++i;
            std::size_t start = i;
            int value = 0;
            while (i < v.size() && isDigit(v[i]) && i - start < 4)
                value = value * 10 + (v[i++] - '0');
            if (i == start) return std::nullopt;
            if (i < v.size() && v[i] == '%') {
                value = value * 255 / 100;
                ++i;
            }
            part = value > 255 ? 255 : value;
        }
        return Rgb{parts[0], parts[1], parts[2]};
    }
    static const std::unordered_map<std::string_view, Rgb> names = {
        {"white", {255, 255, 255}},
        {"black", {0, 0, 0}},
        {"red", {255, 0, 0}},
        {"green", {0, 128, 0}},
        {"blue", {0, 0, 255}},
        {"yellow", {255, 255, 0}},
        {"gray", {128, 128, 128}},
        {"grey", {128, 128, 128}},
        {"silver", {192, 192, 192}},
        {"maroon", {128, 0, 0}},
        {"purple", {128, 0, 128}},
        {"fuchsia", {255, 0, 255}},
        {"lime", {0, 255, 0}},
        {"olive", {128, 128, 0}},
        {"navy", {0, 0, 128}},
        {"teal", {0, 128, 128}},
        {"aqua", {0, 255, 255}},
        {"orange", {255, 165, 0}},
        {"snow", {255, 250, 250}},
        {"ivory", {255, 255, 240}},
        {"whitesmoke", {245, 245, 245}},
        {"ghostwhite", {248, 248, 255}},
    };
    auto it = names.find(v);
    if (it != names.end()) return it->second;
    if (v.size() == 6) return hexColour(v);  // legacy attribute colours without '#'
    return std::nullopt;
}

// The number at the start of text and the unit after it.
bool leadingNumber(std::string_view text, double& value, std::string_view& unit) {
    std::size_t i = 0;
    double whole = 0, scale = 0;
    bool digits = false;
    while (i < text.size() && i < 16 && (isDigit(text[i]) || text[i] == '.')) {
        if (text[i] == '.') {
            if (scale != 0) break;
            scale = 1;
        } else {
            digits = true;
            whole = whole * 10 + (text[i] - '0');
            if (scale != 0) scale *= 10;
        }
        ++i;
    }
    if (!digits) return false;
    value = scale != 0 ? whole / scale : whole;
    unit = trim(text.substr(i));
    return true;
}

struct Style {
    bool hidden = false;
    std::optional<Rgb> fg, bg;
};

void applyStyle(std::string_view css, Style& style) {
    std::string text = util::lowerAscii(css);
    std::string_view rest = text;
    while (!rest.empty()) {
        auto semi = rest.find(';');
        std::string_view decl = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        auto colon = decl.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view prop = trim(decl.substr(0, colon));
        std::string_view value = trim(decl.substr(colon + 1));
        if (auto bang = value.find('!'); bang != std::string_view::npos)
            value = trim(value.substr(0, bang));
        double number = 0;
        std::string_view unit;
        if (prop == "display" && value == "none") {
            style.hidden = true;
        } else if (prop == "visibility" && (value == "hidden" || value == "collapse")) {
            style.hidden = true;
        } else if (prop == "opacity" && leadingNumber(value, number, unit) && number < 0.05) {
            style.hidden = true;
        } else if (prop == "font-size" && leadingNumber(value, number, unit) &&
                   (number == 0 || ((unit == "px" || unit == "pt") && number <= 1))) {
            style.hidden = true;
        } else if (prop == "color") {
            if (auto c = parseColour(value)) style.fg = c;
        } else if (prop == "background-color") {
            if (auto c = parseColour(value)) style.bg = c;
        } else if (prop == "background") {
            while (!value.empty()) {
                auto space = value.find(' ');
                if (auto c = parseColour(value.substr(0, space))) {
                    style.bg = c;
                    break;
                }
                value = space == std::string_view::npos ? std::string_view()
                                                        : trim(value.substr(space));
            }
        }
    }
}

// --- element classes ------------------------------------------------------

// The sets are sorted (checked at compile time): looked up by halving.
template <std::size_t N>
bool among(std::string_view name, const std::array<std::string_view, N>& set) {
    return std::binary_search(set.begin(), set.end(), name);
}

constexpr std::array<std::string_view, 14> kVoid = {"area",  "base",   "br",    "col",  "embed",
                                                    "hr",    "img",    "input", "link", "meta",
                                                    "param", "source", "track", "wbr"};

// Elements whose content is never shown: skipped up to their end tag.
constexpr std::array<std::string_view, 7> kSkipped = {"iframe", "noembed", "noframes", "object",
                                                      "script", "style",   "title"};

constexpr std::array<std::string_view, 2> kHiddenElements = {"head", "template"};

constexpr std::array<std::string_view, 36> kBlocks = {
    "address", "article", "aside", "blockquote", "body", "caption",  "center",     "dd",
    "details", "dialog",  "div",   "dl",         "dt",   "fieldset", "figcaption", "figure",
    "footer",  "form",    "h1",    "h2",         "h3",   "h4",       "h5",         "h6",
    "header",  "hr",      "html",  "li",         "main", "nav",      "ol",         "p",
    "pre",     "section", "table", "tr"};

constexpr std::array<std::string_view, 1> kUl = {"ul"};

static_assert(std::is_sorted(kVoid.begin(), kVoid.end()) && std::is_sorted(kSkipped.begin(), kSkipped.end()) &&
              std::is_sorted(kHiddenElements.begin(), kHiddenElements.end()) &&
              std::is_sorted(kBlocks.begin(), kBlocks.end()));

bool isBlock(std::string_view name) {
    return among(name, kBlocks) || among(name, kUl);
}

struct Attribute {
    std::string name, value;
};

struct Frame {
    std::string name;
    bool hidden = false;
    Rgb fg, bg;
};

class Converter {
  public:
    Converter(std::string_view html, const HtmlLimits& limits) : in_(html), limits_(limits) {
        stack_.push_back({"", false, Rgb{0, 0, 0}, Rgb{255, 255, 255}});
    }

    HtmlText run() {
        while (pos_ < in_.size() && !full()) {
            if (in_[pos_] == '<' && markup()) continue;
            std::size_t next = in_.find('<', pos_ + 1);
            if (next == std::string_view::npos) next = in_.size();
            text(in_.substr(pos_, next - pos_));
            pos_ = next;
        }
        return std::move(out_);
    }

  private:
    bool full() const { return text_full_; }

    bool startsWithAt(std::size_t at, std::string_view what) const {
        if (at + what.size() > in_.size()) return false;
        for (std::size_t i = 0; i < what.size(); ++i)
            if (util::lowerAscii(in_[at + i]) != what[i]) return false;
        return true;
    }

    // At '<': consumes a comment, declaration or tag and returns true, or
    // returns false when the '<' is literal text.
    bool markup() {
        std::size_t next = pos_ + 1;
        if (next >= in_.size()) return false;
        char c = in_[next];
        if (startsWithAt(pos_, "<!--")) {
            auto end = in_.find("-->", pos_ + 2);
            pos_ = end == std::string_view::npos ? in_.size() : end + 3;
            return true;
        }
        if (c == '!' || c == '?') {
            auto end = in_.find('>', next);
            pos_ = end == std::string_view::npos ? in_.size() : end + 1;
            return true;
        }
        bool closing = c == '/';
        std::size_t at = closing ? next + 1 : next;
        if (at >= in_.size() || !isAlpha(in_[at])) return false;
        std::size_t name_end = at;
        while (name_end < in_.size() && !isHtmlSpace(in_[name_end]) && in_[name_end] != '/' &&
               in_[name_end] != '>')
            ++name_end;
        std::string name = util::lowerAscii(in_.substr(at, std::min(name_end - at, kMaxNameLength)));
        std::vector<Attribute> attributes;
        pos_ = attributesUntilEnd(name_end, attributes);
        if (closing)
            endTag(name);
        else
            startTag(name, attributes);
        return true;
    }

    // Reads attributes from at to the closing '>'; returns the position after it.
    std::size_t attributesUntilEnd(std::size_t at, std::vector<Attribute>& attributes) {
        HtmlAttribute a;
        while (nextHtmlAttribute(in_, at, a))
            if (attributes.size() < kMaxAttributes && a.name.size() <= kMaxNameLength)
                attributes.push_back({util::lowerAscii(a.name), decodeEntities(a.value, true)});
        return at;
    }

    static const std::string* attribute(const std::vector<Attribute>& attributes,
                                        std::string_view name) {
        for (const auto& a : attributes)
            if (a.name == name) return &a.value;
        return nullptr;
    }

    void startTag(const std::string& name, const std::vector<Attribute>& attributes) {
        if (name == "html") out_.html_element = true;
        const Frame& parent = stack_.back();
        if (name == "br" || name == "hr") {
            if (!parent.hidden) newline();
            return;
        }
        if (among(name, kVoid)) return;
        if (among(name, kSkipped)) {
            skipTo(name);
            return;
        }
        if (stack_.size() > 1 && isBlock(name) &&
            (stack_.back().name == "p" || (name == "li" && stack_.back().name == "li")))
            stack_.pop_back();

        Style style;
        if (const auto* css = attribute(attributes, "style")) applyStyle(*css, style);
        if (attribute(attributes, "hidden")) style.hidden = true;
        if (const auto* c = attribute(attributes, "color"); c && !style.fg)
            style.fg = parseColour(*c);
        if (const auto* c = attribute(attributes, "text"); c && name == "body" && !style.fg)
            style.fg = parseColour(*c);
        if (const auto* c = attribute(attributes, "bgcolor"); c && !style.bg)
            style.bg = parseColour(*c);

        const Frame& top = stack_.back();
        Frame frame{name, top.hidden || style.hidden || among(name, kHiddenElements),
                    style.fg.value_or(top.fg), style.bg.value_or(top.bg)};
        if ((style.fg || style.bg) && near(frame.fg, frame.bg)) frame.hidden = true;

        if (name == "a") {
            if (const auto* href = attribute(attributes, "href")) link(*href);
        }
        if (isBlock(name) && !frame.hidden) newline();
        if (name == "td" || name == "th") pending_space_ = true;
        if (stack_.size() >= limits_.max_depth) {
            out_.truncated = true;
            return;
        }
        stack_.push_back(std::move(frame));
    }

    void endTag(const std::string& name) {
        for (std::size_t k = stack_.size(); k-- > 1;) {
            if (stack_[k].name != name) continue;
            stack_.resize(k);
            if (isBlock(name) && !stack_.back().hidden) newline();
            return;
        }
        if ((name == "br" || name == "p") && !stack_.back().hidden) newline();
    }

    // Skips the content of a raw-text element up to and past "</name".
    void skipTo(const std::string& name) {
        std::string close = "</" + name;
        for (std::size_t i = pos_; (i = in_.find('<', i)) != std::string_view::npos; ++i) {
            if (!startsWithAt(i, close)) continue;
            std::size_t after = i + close.size();
            if (after < in_.size() && !isHtmlSpace(in_[after]) && in_[after] != '>' &&
                in_[after] != '/')
                continue;
            auto end = in_.find('>', after);
            pos_ = end == std::string_view::npos ? in_.size() : end + 1;
            return;
        }
        pos_ = in_.size();
    }

    void link(const std::string& href) {
        std::string value = toValidUtf8(trim(href));
        if (value.empty()) return;
        if (out_.links.size() >= limits_.max_links || value.size() > limits_.max_link_length) {
            out_.truncated = true;
            return;
        }
        out_.links.push_back(std::move(value));
    }

    void newline() {
        if (!out_.text.empty()) pending_newline_ = true;
    }

    void text(std::string_view raw) {
        std::string decoded = decodeEntities(raw, false);
        bool hidden = stack_.back().hidden;
        char32_t cp;
        for (std::size_t i = 0; i < decoded.size();) {
            std::size_t n = decodeUtf8(decoded, i, cp);
            std::string_view bytes = std::string_view(decoded).substr(i, n ? n : 1);
            i += n ? n : 1;
            if (isSpace(cp)) {
                if (!out_.text.empty()) pending_space_ = true;
                continue;
            }
            if (hidden || isInvisible(cp)) {
                ++out_.hidden_chars;
                continue;
            }
            std::string_view sep = pending_newline_ ? "\n" : pending_space_ ? " " : "";
            std::size_t width = n ? n : 3;  // U+FFFD for an invalid byte
            if (out_.text.size() + sep.size() + width > limits_.max_text) {
                out_.truncated = text_full_ = true;
                return;
            }
            if (!out_.text.empty()) out_.text += sep;
            pending_newline_ = pending_space_ = false;
            if (n == 0)
                appendUtf8(out_.text, kReplacement);
            else
                out_.text += bytes;
        }
    }

    std::string_view in_;
    const HtmlLimits& limits_;
    std::size_t pos_ = 0;
    std::vector<Frame> stack_;
    HtmlText out_;
    bool pending_space_ = false, pending_newline_ = false, text_full_ = false;
};

}  // namespace

HtmlText htmlToText(std::string_view html, const HtmlLimits& limits) {
    return Converter(html, limits).run();
}

}  // namespace moat::content
