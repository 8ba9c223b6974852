#include "content/char_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace moat::content {
namespace {

std::uint64_t mix(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

constexpr int kMaxOrder = 12;

// The hashes of the contexts of orders 0..max_order ending before position i
// (0 for an order longer than what precedes i).
void contextHashes(std::string_view t, std::size_t i, int max_order,
                   std::array<std::uint64_t, kMaxOrder + 1>& h) {
    std::uint64_t x = 0x6d6f61742d636d;
    h[0] = mix(x);
    for (int k = 1; k <= max_order; ++k) {
        if (i < static_cast<std::size_t>(k)) {
            h[static_cast<std::size_t>(k)] = 0;
            continue;
        }
        x = mix(x ^ (static_cast<std::uint64_t>(static_cast<unsigned char>(t[i - static_cast<std::size_t>(k)])) +
                     0x100u * static_cast<std::uint64_t>(k)));
        h[static_cast<std::size_t>(k)] = x;
    }
}

// Contexts' keys are odd, symbols' even and never 0 (an empty slot).
std::uint64_t contextKey(std::uint64_t context) { return context | 1; }
std::uint64_t symbolKey(std::uint64_t context, unsigned char b) {
    std::uint64_t k = mix(context ^ (static_cast<std::uint64_t>(b) << 40) ^ 0x5a5a) & ~1ull;
    return k == 0 ? 2 : k;
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

}  // namespace

std::string charModelText(const DecodedMessage& message, std::size_t max_bytes) {
    std::string out;
    const std::size_t room = max_bytes + 4;  // cut below at a character boundary
    auto field = [&](std::string_view label, std::string_view name) {
        appendCollapsed(out, label, room);
        if (const Header* h = message.header(name)) appendCollapsed(out, h->value, room);
        appendCollapsed(out, " ", room);
    };
    field("subject: ", "subject");
    field("from: ", "from");
    for (const auto& t : message.texts) {
        appendCollapsed(out, t.text, room);
        appendCollapsed(out, " ", room);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > max_bytes) {
        std::size_t cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
        out.resize(cut);
    }
    return out;
}

const CharModel::Slot* CharModel::find(std::uint64_t key) const {
    if (slots_.empty()) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = key & mask;; i = (i + 1) & mask) {
        if (slots_[i].key == key) return &slots_[i];
        if (slots_[i].key == 0) return nullptr;
    }
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
    const int top = std::min(options_.max_order, kMaxOrder);
    std::array<std::uint64_t, kMaxOrder + 1> h{};
    const std::size_t n = spam ? 2 : 0, u = n + 1;  // the context's slots of this class
    const std::size_t count = spam ? 1 : 0;          // the symbol's
    for (std::size_t i = 0; i < text.size(); ++i) {
        contextHashes(text, i, top, h);
        const auto b = static_cast<unsigned char>(text[i]);
        for (int k = std::max(options_.min_order, 0); k <= top && static_cast<std::size_t>(k) <= i; ++k) {
            reserve(2);  // no growth between the two lookups: their pointers stay valid
            Slot* context = findOrAdd(contextKey(h[static_cast<std::size_t>(k)]));
            Slot* symbol = context ? findOrAdd(symbolKey(h[static_cast<std::size_t>(k)], b)) : nullptr;
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
    }
    std::uint64_t& bytes = spam ? spam_bytes_ : ham_bytes_;
    bytes = sign > 0 ? bytes + text.size() : bytes - std::min<std::uint64_t>(bytes, text.size());
}

double CharModel::score(std::string_view text) const {
    if (text.size() > options_.max_bytes) text = text.substr(0, options_.max_bytes);
    if (text.empty() || ham_bytes_ == 0 || spam_bytes_ == 0 || slots_.empty()) return 0;
    const int top = std::min(options_.max_order, kMaxOrder);
    const int bottom = std::max(options_.min_order, 0);
    if (bottom > top) return 0;
    const auto orders = static_cast<std::size_t>(top - bottom + 1);
    // Every position's keys first (context, symbol per order), then the
    // probes, each position's slots prefetched kAhead positions early.
    std::vector<std::uint64_t> keys(text.size() * orders * 2, 0);
    std::array<std::uint64_t, kMaxOrder + 1> h{};
    for (std::size_t i = 0; i < text.size(); ++i) {
        contextHashes(text, i, top, h);
        const auto b = static_cast<unsigned char>(text[i]);
        for (std::size_t o = 0; o < orders; ++o) {
            const std::size_t k = static_cast<std::size_t>(bottom) + o;
            if (k > i) break;
            keys[(i * orders + o) * 2] = contextKey(h[k]);
            keys[(i * orders + o) * 2 + 1] = symbolKey(h[k], b);
        }
    }
    const std::size_t mask = slots_.size() - 1;
    constexpr std::size_t kAhead = 12;
    auto prefetch = [&](std::size_t i) {
        for (std::size_t j = 0; j < orders * 2; ++j)
            if (std::uint64_t key = keys[i * orders * 2 + j]) __builtin_prefetch(&slots_[key & mask]);
    };
    for (std::size_t i = 0; i < std::min(kAhead, text.size()); ++i) prefetch(i);
    // The log of a product of ratios, taken every 8 bytes (a logarithm per
    // byte was a third of the time): a probability here is at least
    // 1/256 × (1/(n + 1))^orders for counts n < 2^32, so a ratio stays
    // within 10^±30 and eight of them well inside a double's range.
    double sum = 0, product = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i + kAhead < text.size()) prefetch(i + kAhead);
        double ham = 1.0 / 256, spam = 1.0 / 256;
        for (std::size_t o = 0; o < orders; ++o) {
            std::uint64_t context_key = keys[(i * orders + o) * 2];
            if (context_key == 0) break;
            const Slot* c = find(context_key);
            if (!c) break;  // nor any longer one
            const Slot* s = find(keys[(i * orders + o) * 2 + 1]);
            const double ham_count = s ? s->v[0] : 0, spam_count = s ? s->v[1] : 0;
            if (c->v[0] > 0) ham = (ham_count + c->v[1] * ham) / (c->v[0] + c->v[1]);
            if (c->v[2] > 0) spam = (spam_count + c->v[3] * spam) / (c->v[2] + c->v[3]);
        }
        product *= spam / ham;
        if (i % 8 == 7) {
            sum += std::log(product);
            product = 1;
        }
    }
    sum += std::log(product);
    return sum / static_cast<double>(text.size());
}

namespace {

constexpr char kMagic[8] = {'M', 'O', 'A', 'T', 'C', 'M', '0', '1'};
constexpr std::size_t kHeaderBytes = sizeof kMagic + 2 * 4 + 5 * 8;
constexpr std::size_t kKeyBytes = 8 + 4 * 4;
constexpr std::size_t kMaxStoredBytes = 1u << 20;     // max_bytes a stored model may say
constexpr std::size_t kMaxStoredEntries = 1u << 26;  // and max_entries

void put(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get(std::string_view in, std::size_t& at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at++])) << (8 * i);
    return v;
}

}  // namespace

std::string CharModel::serialize() const {
    std::string out(kMagic, sizeof kMagic);
    out.reserve(kHeaderBytes + used_ * kKeyBytes);
    put(out, static_cast<std::uint32_t>(options_.min_order), 4);
    put(out, static_cast<std::uint32_t>(options_.max_order), 4);
    put(out, options_.max_bytes, 8);
    put(out, options_.max_entries, 8);
    put(out, ham_bytes_, 8);
    put(out, spam_bytes_, 8);
    put(out, used_, 8);
    for (const Slot& s : slots_) {
        if (s.key == 0) continue;
        put(out, s.key, 8);
        for (std::uint32_t v : s.v) put(out, v, 4);
    }
    return out;
}

std::optional<CharModel> CharModel::deserialize(std::string_view bytes) {
    if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
    std::size_t at = sizeof kMagic;
    CharModelOptions o;
    const std::uint64_t min_order = get(bytes, at, 4), max_order = get(bytes, at, 4);
    o.max_bytes = get(bytes, at, 8);
    o.max_entries = get(bytes, at, 8);
    const std::uint64_t ham_bytes = get(bytes, at, 8), spam_bytes = get(bytes, at, 8), keys = get(bytes, at, 8);
    if (min_order > max_order || max_order > kMaxOrder || o.max_bytes == 0 || o.max_bytes > kMaxStoredBytes ||
        o.max_entries > kMaxStoredEntries || keys > o.max_entries ||
        (bytes.size() - kHeaderBytes) / kKeyBytes != keys || (bytes.size() - kHeaderBytes) % kKeyBytes != 0)
        return std::nullopt;
    o.min_order = static_cast<int>(min_order);
    o.max_order = static_cast<int>(max_order);
    CharModel model(o);
    model.ham_bytes_ = ham_bytes;
    model.spam_bytes_ = spam_bytes;
    std::size_t capacity = 1024;
    while (capacity * 7 < keys * 10 + 10) capacity *= 2;
    model.slots_.assign(capacity, Slot{});
    const std::size_t mask = capacity - 1;
    for (std::uint64_t n = 0; n < keys; ++n) {
        Slot s;
        s.key = get(bytes, at, 8);
        for (std::uint32_t& v : s.v) v = static_cast<std::uint32_t>(get(bytes, at, 4));
        if (s.key == 0) return std::nullopt;
        std::size_t i = s.key & mask;
        for (; model.slots_[i].key != 0; i = (i + 1) & mask)
            if (model.slots_[i].key == s.key) return std::nullopt;
        model.slots_[i] = s;
        ++model.used_;
    }
    return model;
}

}  // namespace moat::content
