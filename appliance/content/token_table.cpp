#include "content/token_table.h"

#include <algorithm>
#include <cstdint>

namespace moat::content {

std::shared_ptr<const TokenTable> TokenTable::load(BayesStore& store,
                                                   const std::shared_ptr<const TokenTable>& previous) {
    auto table = std::make_shared<TokenTable>();
    // Generation first: a change during the scan makes the next check reload.
    table->generation_ = store.generation();
    table->totals_ = store.totals();
    table->chars_stamp_ = store.charModelStamp();
    if (previous && previous->chars_stamp_ == table->chars_stamp_) {
        table->chars_ = previous->chars_;
    } else if (table->chars_stamp_ != 0) {
        if (auto chars = store.charModel()) table->chars_ = std::make_shared<const CharScorer>(std::move(*chars));
    }
    std::size_t expected = static_cast<std::size_t>(std::max<std::int64_t>(store.tokenCount(), 0));
    std::size_t capacity = 16;
    while (capacity * 7 < expected * 10 + 10) capacity *= 2;
    table->slots_.resize(capacity);
    table->tags_.resize(capacity);
    store.forEachToken([&](TokenHash hash, const TokenCounts& counts) {
        if ((table->size_ + 1) * 10 > table->slots_.size() * 7) {
            // More rows than counted (a learner meanwhile): grow.
            auto old = std::move(table->slots_);
            auto old_tags = std::move(table->tags_);
            table->slots_.assign(old.size() * 2, Slot{});
            table->tags_.assign(old.size() * 2, 0);
            table->size_ = 0;
            for (std::size_t i = 0; i < old.size(); ++i)
                if (old_tags[i] != 0) table->insert(old[i].hash, TokenCounts{old[i].spam, old[i].ham, old[i].weight});
        }
        table->insert(hash, counts);
    });
    return table;
}

namespace {

std::uint32_t saturated(std::int64_t n) {
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(n, 0, UINT32_MAX));
}

}  // namespace

std::uint8_t TokenTable::tagOf(TokenHash hash) {
    const auto tag = static_cast<std::uint8_t>(hash >> 56);
    return tag != 0 ? tag : 1;
}

void TokenTable::insert(TokenHash hash, const TokenCounts& counts) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        if (tags_[i] == 0) {
            ++size_;
            tags_[i] = tagOf(hash);
        } else if (slots_[i].hash != hash) {
            continue;
        }
        slots_[i] = Slot{hash, saturated(counts.spam), saturated(counts.ham), counts.weight};
        return;
    }
}

void TokenTable::findAll(const std::vector<TokenHash>& hashes, std::vector<KnownToken>& out) const {
    if (slots_.empty()) return;
    // Three stages: a hash's tag is prefetched kAhead probes early; kSlot
    // probes early its home tag is read (in cache by then) and, where it
    // matches, its slot prefetched; then it is looked up.
    constexpr std::size_t kAhead = 16, kSlot = 6;
    const std::size_t mask = slots_.size() - 1;
    const std::size_t n = hashes.size();
    auto slotAhead = [&](TokenHash h) {
        if (tags_[h & mask] == tagOf(h)) __builtin_prefetch(&slots_[h & mask]);
    };
    for (std::size_t i = 0; i < n && i < kAhead; ++i) __builtin_prefetch(&tags_[hashes[i] & mask]);
    for (std::size_t i = 0; i < n && i < kSlot; ++i) slotAhead(hashes[i]);
    for (std::size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) __builtin_prefetch(&tags_[hashes[i + kAhead] & mask]);
        if (i + kSlot < n) slotAhead(hashes[i + kSlot]);
        KnownToken t{hashes[i], {}};
        if (find(hashes[i], t.counts)) out.push_back(t);
    }
}

bool TokenTable::find(TokenHash hash, TokenCounts& counts) const {
    if (slots_.empty()) return false;
    const std::size_t mask = slots_.size() - 1;
    const std::uint8_t tag = tagOf(hash);
    for (std::size_t i = hash & mask; tags_[i] != 0; i = (i + 1) & mask) {
        if (tags_[i] == tag && slots_[i].hash == hash) {
            counts = TokenCounts{slots_[i].spam, slots_[i].ham, slots_[i].weight};
            return true;
        }
    }
    return false;
}

}  // namespace moat::content
