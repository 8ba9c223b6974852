#include "content/char_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "content/transit_fields.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

std::uint64_t mix(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// A window of the bytes before a position, the latest in the low byte.
std::uint64_t lowBytes(std::uint64_t window, int k) {
    return k >= 8 ? window : window & ((std::uint64_t{1} << (8 * k)) - 1);
}

// The k bytes before a position, packed with k in the top byte: exact for k
// <= 6 (and the symbol's k + 1 bytes <= 7); mixed, a bijection. Contexts'
// keys are odd, symbols' even and never 0 (an empty slot).
std::uint64_t contextKey(std::uint64_t window, int k) {
    return mix(lowBytes(window, k) | (static_cast<std::uint64_t>(k) << 56)) | 1;
}
std::uint64_t symbolKey(std::uint64_t window, int k, unsigned char b) {
    const std::uint64_t packed = (lowBytes(window, k) << 8) | b;
    const std::uint64_t key = mix(packed | (static_cast<std::uint64_t>(k + 16) << 56)) & ~1ull;
    return key == 0 ? 2 : key;
}

int clampOrder(int k) { return std::clamp(k, 0, kMaxCharOrder); }

// Where key is in an open-addressing table of `size` slots, a power of two
// (linear probing from the key's low bits): the index of the slot that
// is_key(i) says holds it, or `size` when is_empty(i) comes first. Every
// table here probes this way: the model's (whole keys, 0 empty), the
// scorer's whole keys and (written out in CharScorer::find) its 8-byte slots.
template <typename IsKey, typename IsEmpty>
std::size_t probe(std::size_t size, std::uint64_t key, IsKey is_key, IsEmpty is_empty) {
    if (size == 0) return 0;
    const std::size_t mask = size - 1;
    for (std::size_t i = key & mask;; i = (i + 1) & mask) {
        if (is_key(i)) return i;
        if (is_empty(i)) return size;
    }
}

bool space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

void appendCollapsed(std::string& out, std::string_view in, std::size_t max_bytes) {
    for (unsigned char c : in) {
        if (out.size() >= max_bytes) return;
        if (space(c)) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}

// Trailing spaces dropped, then cut at max_bytes (at a UTF-8 character boundary).
void cutAtCharacter(std::string& text, std::size_t max_bytes) {
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (text.size() <= max_bytes) return;
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
    text.resize(cut);
}

}  // namespace

std::string charModelText(const DecodedMessage& message, const CharModelOptions& options) {
    const std::size_t header_bytes = std::min(options.header_bytes, options.max_bytes);
    std::string out;
    if (header_bytes > 0) {
        // Below header_bytes, so that the space after it fits too.
        const std::size_t room = header_bytes + 4;  // cut below at a character boundary
        for (const Header& h : message.headers) {
            if (out.size() >= room) break;
            if (util::equalsNoCase(h.name, "subject") || util::equalsNoCase(h.name, "from") ||
                addedInTransit(h.name))
                continue;
            const std::size_t name_at = out.size();
            appendCollapsed(out, h.name, room);
            for (std::size_t i = name_at; i < out.size(); ++i) out[i] = util::lowerAscii(out[i]);
            appendCollapsed(out, ": ", room);
            appendCollapsed(out, h.value, room);
            appendCollapsed(out, " ", room);
        }
        cutAtCharacter(out, header_bytes - 1);
        while (!out.empty() && out.back() == ' ') out.pop_back();
        if (!out.empty()) out.push_back(' ');
    }
    const std::size_t body_bytes = options.max_bytes - header_bytes;
    std::string body;
    const std::size_t room = body_bytes + 4;
    auto field = [&](std::string_view label, std::string_view name) {
        appendCollapsed(body, label, room);
        if (const Header* h = message.header(name)) appendCollapsed(body, h->value, room);
        appendCollapsed(body, " ", room);
    };
    field("subject: ", "subject");
    field("from: ", "from");
    for (const auto& t : message.texts) {
        appendCollapsed(body, t.text, room);
        appendCollapsed(body, " ", room);
    }
    cutAtCharacter(body, body_bytes);
    out += body;
    return out;
}

CharModel::CharModel(CharModelOptions options) : options_(options) {
    options_.min_order = clampOrder(options_.min_order);
    options_.max_order = clampOrder(options_.max_order);
}

const CharModel::Slot* CharModel::find(std::uint64_t key) const {
    const std::size_t i = probe(
        slots_.size(), key, [&](std::size_t j) { return slots_[j].key == key; },
        [&](std::size_t j) { return slots_[j].key == 0; });
    return i < slots_.size() ? &slots_[i] : nullptr;
}

void CharModel::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
        if (s.key == 0) continue;
        std::size_t i = s.key & mask;
        while (slots_[i].key != 0) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

void CharModel::reserve(std::size_t more) {
    while ((slots_.empty() || (used_ + more) * 10 > slots_.size() * 7) && used_ + more <= options_.max_entries)
        grow();
}

CharModel::Slot* CharModel::findOrAdd(std::uint64_t key) {
    // Full (at max_entries, or no room left by reserve): known keys still
    // count, new ones are not added.
    if (slots_.empty()) return nullptr;
    const bool room = used_ < options_.max_entries && (used_ + 1) * 10 <= slots_.size() * 8;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = key & mask;; i = (i + 1) & mask) {
        if (slots_[i].key == key) return &slots_[i];
        if (slots_[i].key == 0) {
            if (!room) return nullptr;
            slots_[i].key = key;
            ++used_;
            return &slots_[i];
        }
    }
}

void CharModel::learn(std::string_view text, bool spam, int sign) {
    if (text.size() > options_.max_bytes) text = text.substr(0, options_.max_bytes);
    const std::size_t n = spam ? 2 : 0, u = n + 1;  // the context's slots of this class
    const std::size_t count = spam ? 1 : 0;          // the symbol's
    std::uint64_t window = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        for (int k = options_.min_order; k <= options_.max_order && static_cast<std::size_t>(k) <= i; ++k) {
            reserve(2);  // no growth between the two lookups: their pointers stay valid
            Slot* context = findOrAdd(contextKey(window, k));
            Slot* symbol = context ? findOrAdd(symbolKey(window, k, b)) : nullptr;
            if (!symbol) continue;
            std::uint32_t& c = symbol->v[count];
            if (sign > 0) {
                if (c++ == 0) ++context->v[u];
                ++context->v[n];
            } else if (c > 0) {
                if (--c == 0 && context->v[u] > 0) --context->v[u];
                if (context->v[n] > 0) --context->v[n];
            }
        }
        window = (window << 8) | b;
    }
    std::uint64_t& bytes = spam ? spam_bytes_ : ham_bytes_;
    bytes = sign > 0 ? bytes + text.size() : bytes - std::min<std::uint64_t>(bytes, text.size());
}

template <typename Visit>
void CharModel::walk(std::string_view text, std::size_t i, std::uint64_t window, Visit&& visit) const {
    const auto b = static_cast<unsigned char>(text[i]);
    double ham = 1.0 / 256, spam = 1.0 / 256;
    for (int k = options_.min_order; k <= options_.max_order && static_cast<std::size_t>(k) <= i; ++k) {
        const Slot* c = find(contextKey(window, k));
        if (!c) break;  // nor any longer one
        const Slot* s = find(symbolKey(window, k, b));
        const double ham_count = s ? s->v[0] : 0, spam_count = s ? s->v[1] : 0;
        if (c->v[0] > 0) ham = (ham_count + c->v[1] * ham) / (c->v[0] + c->v[1]);
        if (c->v[2] > 0) spam = (spam_count + c->v[3] * spam) / (c->v[2] + c->v[3]);
        visit(k, s, spam, ham);
    }
}

double CharModel::score(std::string_view text) const {
    if (text.size() > options_.max_bytes) text = text.substr(0, options_.max_bytes);
    if (text.empty() || ham_bytes_ == 0 || spam_bytes_ == 0 || slots_.empty()) return 0;
    double sum = 0;
    std::uint64_t window = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        double p_spam = 1.0 / 256, p_ham = 1.0 / 256;
        walk(text, i, window, [&](int, const Slot*, double s, double h) {
            p_spam = s;
            p_ham = h;
        });
        sum += std::log(p_spam) - std::log(p_ham);
        window = (window << 8) | static_cast<unsigned char>(text[i]);
    }
    return sum / static_cast<double>(text.size());
}

CharScorer CharModel::compile(const std::vector<std::string_view>& texts) const {
    CharScorer out;
    out.options_ = options_;
    if (ham_bytes_ == 0 || spam_bytes_ == 0) return out;
    out.reserve(used_);
    // A context's escape: the factor u / (n + u) of each class that has seen it.
    auto escape = [](std::uint32_t n, std::uint32_t u) {
        return n > 0 && u > 0 ? std::log(static_cast<double>(u) / (static_cast<double>(n) + u)) : 0.0;
    };
    for (const Slot& s : slots_)
        if (s.key & 1) out.put(s.key, static_cast<float>(escape(s.v[2], s.v[3]) - escape(s.v[0], s.v[1])));
    // A symbol's log ratio at its order, all lower orders included: the same
    // wherever the pair occurs, so any text it occurs in gives it.
    for (std::string_view text : texts) {
        if (text.size() > options_.max_bytes) text = text.substr(0, options_.max_bytes);
        std::uint64_t window = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            walk(text, i, window, [&](int, const Slot* symbol, double spam, double ham) {
                if (symbol) out.put(symbol->key, static_cast<float>(std::log(spam) - std::log(ham)));
            });
            window = (window << 8) | static_cast<unsigned char>(text[i]);
        }
    }
    return out;
}

std::uint32_t CharScorer::checkOf(std::uint64_t key) {
    const auto check = static_cast<std::uint32_t>(key >> 32);
    return check != 0 ? check : 1;
}

void CharScorer::reserve(std::size_t keys) {
    std::size_t capacity = 1024;
    while (capacity * 6 < keys * 10 + 10) capacity *= 2;  // at most 60 % full
    if (capacity <= slots_.size()) return;
    auto old_slots = std::move(slots_);
    auto old_keys = std::move(keys_);
    slots_.assign(capacity, Slot{});
    keys_.assign(capacity, 0);
    used_ = 0;
    for (std::size_t i = 0; i < old_keys.size(); ++i)
        if (old_keys[i] != 0) put(old_keys[i], old_slots[i].value);
}

void CharScorer::put(std::uint64_t key, float value) {
    if ((used_ + 1) * 10 > slots_.size() * 6) reserve(used_ + 1);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = key & mask;
    while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask;
    if (keys_[i] == 0) ++used_;
    keys_[i] = key;
    slots_[i] = Slot{checkOf(key), value};
}

// probe()'s walk written out: this is the scan's hottest loop, and the
// index-then-pointer form of probe() measured a few per cent slower here.
const CharScorer::Slot* CharScorer::find(std::uint64_t key) const {
    if (slots_.empty()) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    const std::uint32_t check = checkOf(key);
    for (std::size_t i = key & mask;; i = (i + 1) & mask) {
        if (slots_[i].check == check) return &slots_[i];
        if (slots_[i].check == 0) return nullptr;
    }
}

bool CharScorer::holds(std::uint64_t key) const {
    return probe(
               keys_.size(), key, [&](std::size_t j) { return keys_[j] == key; },
               [&](std::size_t j) { return keys_[j] == 0; }) < keys_.size();
}

double CharScorer::score(std::string_view text) const {
    if (text.size() > options_.max_bytes) text = text.substr(0, options_.max_bytes);
    const int top = options_.max_order, bottom = options_.min_order;
    if (text.empty() || used_ == 0 || bottom > top) return 0;
    // Each byte walks down from the highest order to the first (context,
    // byte) known. The highest order's symbol slot is prefetched kAhead
    // bytes early; kResolve bytes early it is looked up (in cache by then),
    // and only where it is unknown are the lower orders' slots prefetched.
    // Every key is computed once, when its slot is prefetched, and kept in a
    // ring of the positions in flight until the byte is scored.
    const std::size_t n = text.size();
    constexpr std::size_t kAhead = 16, kResolve = 6, kRing = 32;  // kRing: a power of two > kAhead
    struct InFlight {
        std::uint64_t window;   // the bytes before the position
        std::uint64_t top_key;  // its symbol at the highest order (0: too near the start)
        const Slot* known;      // where top_key was found (null: not known)
        std::uint64_t symbol[kMaxCharOrder + 1], context[kMaxCharOrder + 1];  // lower orders, when not known
    };
    InFlight ring[kRing];  // written before read: position j enters, is resolved, then scored
    const std::size_t mask = slots_.size() - 1;
    auto byteAt = [&](std::size_t j) { return static_cast<unsigned char>(text[j]); };
    std::uint64_t window = 0;  // the bytes before the next position to enter
    auto enter = [&](std::size_t j) {
        InFlight& f = ring[j % kRing];
        f.window = window;
        f.top_key = static_cast<std::size_t>(top) <= j ? symbolKey(window, top, byteAt(j)) : 0;
        if (f.top_key) __builtin_prefetch(&slots_[f.top_key & mask]);
        window = (window << 8) | byteAt(j);
    };
    auto resolve = [&](std::size_t j) {
        InFlight& f = ring[j % kRing];
        f.known = f.top_key ? find(f.top_key) : nullptr;
        if (f.known) return;
        for (int k = top; k >= bottom; --k) {
            if (static_cast<std::size_t>(k) > j) continue;
            if (k != top) {
                f.symbol[k] = symbolKey(f.window, k, byteAt(j));
                __builtin_prefetch(&slots_[f.symbol[k] & mask]);
            }
            f.context[k] = contextKey(f.window, k);
            __builtin_prefetch(&slots_[f.context[k] & mask]);
        }
    };
    for (std::size_t j = 0; j < std::min(kAhead, n); ++j) enter(j);
    for (std::size_t j = 0; j < std::min(kResolve, n); ++j) resolve(j);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) enter(i + kAhead);
        if (i + kResolve < n) resolve(i + kResolve);
        const InFlight& f = ring[i % kRing];
        if (f.known) {
            sum += f.known->value;
            continue;
        }
        for (int k = top; k >= bottom; --k) {
            if (static_cast<std::size_t>(k) > i) continue;
            if (k != top) {
                if (const Slot* s = find(f.symbol[k])) {
                    sum += s->value;
                    break;
                }
            }
            if (const Slot* c = find(f.context[k])) sum += c->value;
        }
    }
    return sum / static_cast<double>(n);
}

namespace {

// "MOATCS02": orders, max_bytes, header_bytes, keys. "MOATCS01" (before
// header fields were read) has no header_bytes.
constexpr char kMagic[8] = {'M', 'O', 'A', 'T', 'C', 'S', '0', '2'};
constexpr char kFirstMagic[8] = {'M', 'O', 'A', 'T', 'C', 'S', '0', '1'};
constexpr std::size_t kHeaderBytes = sizeof kMagic + 2 * 4 + 3 * 8;
constexpr std::size_t kFirstHeaderBytes = sizeof kMagic + 2 * 4 + 2 * 8;
constexpr std::size_t kKeyBytes = 8 + 4;
constexpr std::size_t kMaxStoredBytes = 1u << 20;  // max_bytes a stored scorer may say

void putLe(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t getLe(std::string_view in, std::size_t& at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at++])) << (8 * i);
    return v;
}

}  // namespace

std::string CharScorer::serialize() const {
    std::string out(kMagic, sizeof kMagic);
    out.reserve(kHeaderBytes + used_ * kKeyBytes);
    putLe(out, static_cast<std::uint32_t>(options_.min_order), 4);
    putLe(out, static_cast<std::uint32_t>(options_.max_order), 4);
    putLe(out, options_.max_bytes, 8);
    putLe(out, options_.header_bytes, 8);
    putLe(out, used_, 8);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (keys_[i] == 0) continue;
        std::uint32_t bits;
        std::memcpy(&bits, &slots_[i].value, sizeof bits);
        putLe(out, keys_[i], 8);
        putLe(out, bits, 4);
    }
    return out;
}

std::optional<CharScorer> CharScorer::deserialize(std::string_view bytes) {
    if (bytes.size() < sizeof kMagic) return std::nullopt;
    const bool first = std::memcmp(bytes.data(), kFirstMagic, sizeof kFirstMagic) == 0;
    if (!first && std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
    const std::size_t header = first ? kFirstHeaderBytes : kHeaderBytes;
    if (bytes.size() < header) return std::nullopt;
    std::size_t at = sizeof kMagic;
    const std::uint64_t min_order = getLe(bytes, at, 4), max_order = getLe(bytes, at, 4);
    const std::uint64_t max_bytes = getLe(bytes, at, 8);
    const std::uint64_t header_bytes = first ? 0 : getLe(bytes, at, 8);
    const std::uint64_t keys = getLe(bytes, at, 8);
    if (min_order > max_order || max_order > static_cast<std::uint64_t>(kMaxCharOrder) ||
        max_bytes == 0 || max_bytes > kMaxStoredBytes || header_bytes >= max_bytes ||
        (bytes.size() - header) % kKeyBytes != 0 || (bytes.size() - header) / kKeyBytes != keys)
        return std::nullopt;
    CharScorer out;
    out.options_.min_order = static_cast<int>(min_order);
    out.options_.max_order = static_cast<int>(max_order);
    out.options_.max_bytes = max_bytes;
    out.options_.header_bytes = header_bytes;
    out.reserve(keys);
    for (std::uint64_t n = 0; n < keys; ++n) {
        const std::uint64_t key = getLe(bytes, at, 8);
        const auto bits = static_cast<std::uint32_t>(getLe(bytes, at, 4));
        float value;
        std::memcpy(&value, &bits, sizeof value);
        if (key == 0 || !std::isfinite(value) || out.holds(key)) return std::nullopt;
        out.put(key, value);
    }
    return out;
}

}  // namespace moat::content
