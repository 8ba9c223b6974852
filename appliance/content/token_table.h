// An immutable in-memory copy of the classifier's memory (token counts and
// weights, totals, calibration, the character model), so scoring a message
// costs hash probes instead of SQL: loaded once from the store, replaced as a
// whole when the store's generation moves on (content/bayes_store.h). Open
// addressing on the token hashes themselves (already uniformly mixed); about
// 25 bytes per slot (24 and a tag) at a load of at most 0.7. The character model changes
// only at retraining: a reload keeps the previous copy's while its stamp is
// the same. Shared read-only between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "content/bayes_store.h"
#include "util/huge_page_allocator.h"

namespace moat::content {

class TokenTable {
  public:
    // Reads every token of the store (a full scan: seconds for millions),
    // and the character model unless `previous` holds the current one.
    static std::shared_ptr<const TokenTable> load(BayesStore& store,
                                                  const std::shared_ptr<const TokenTable>& previous = nullptr);

    const BayesTotals& totals() const { return totals_; }
    std::int64_t generation() const { return generation_; }
    std::size_t size() const { return size_; }
    // Null when the last retraining stored none.
    const CharScorer* charModel() const { return chars_.get(); }
    // The token's counts and weight; false when never learnt.
    bool find(TokenHash hash, TokenCounts& counts) const;
    // Appends the learnt ones of `hashes` to `out`, in their order. A
    // message's few thousand probes land at random in a table of tens of MB:
    // each tag is prefetched a few probes ahead, and the slot only where the
    // tag matches, so the loads overlap instead of each waiting for memory
    // in turn, and a token never learnt (most of them) touches no slot.
    void findAll(const std::vector<TokenHash>& hashes, std::vector<KnownToken>& out) const;

  private:
    struct Slot {
        TokenHash hash = 0;
        std::uint32_t spam = 0, ham = 0;
        float weight = 0;
    };
    // A slot's tag: 0 while it is empty, else the top byte of its hash (1
    // where that is 0). The tags are probed first: a byte a slot, so they
    // stay in the processor's cache where the slots cannot, and a probe
    // reads a slot only where the tag matches (a stranger's once in 255).
    static std::uint8_t tagOf(TokenHash hash);
    void insert(TokenHash hash, const TokenCounts& counts);

    std::vector<Slot, util::HugePageAllocator<Slot>> slots_;  // probed at random: huge pages
    std::vector<std::uint8_t, util::HugePageAllocator<std::uint8_t>> tags_;  // one a slot, same index; huge pages too
    std::size_t size_ = 0;
    BayesTotals totals_;
    std::int64_t generation_ = 0;
    std::shared_ptr<const CharScorer> chars_;
    std::int64_t chars_stamp_ = 0;
};

}  // namespace moat::content
