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
    store.forEachToken([&](TokenHash hash, const TokenCounts& counts) {
        if ((table->size_ + 1) * 10 > table->slots_.size() * 7) {
            // More rows than counted (a learner meanwhile): grow.
            auto old = std::move(table->slots_);
            table->slots_.assign(old.size() * 2, Slot{});
            table->size_ = 0;
            for (const auto& s : old)
                if (s.used) table->insert(s.hash, TokenCounts{s.spam, s.ham, s.weight});
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

void TokenTable::insert(TokenHash hash, const TokenCounts& counts) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        Slot& slot = slots_[i];
        if (!slot.used) ++size_;
        if (!slot.used || slot.hash == hash) {
            slot = Slot{hash, saturated(counts.spam), saturated(counts.ham), counts.weight, 1};
            return;
        }
    }
}

void TokenTable::findAll(const std::vector<TokenHash>& hashes, std::vector<KnownToken>& out) const {
    if (slots_.empty()) return;
    constexpr std::size_t kAhead = 16;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = 0; i < hashes.size() && i < kAhead; ++i)
        __builtin_prefetch(&slots_[hashes[i] & mask]);
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        if (i + kAhead < hashes.size()) __builtin_prefetch(&slots_[hashes[i + kAhead] & mask]);
        KnownToken t{hashes[i], {}};
        if (find(hashes[i], t.counts)) out.push_back(t);
    }
}

bool TokenTable::find(TokenHash hash, TokenCounts& counts) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (!slot.used) return false;
        if (slot.hash == hash) {
            counts = TokenCounts{slot.spam, slot.ham, slot.weight};
            return true;
        }
    }
}

}  // namespace moat::content
