// An immutable in-memory copy of the classifier's memory (token counts and
// weights, totals, calibration, the character model), so scoring a message
// costs hash probes instead of SQL: loaded once from the store, replaced as a
// whole when the store's generation moves on (content/bayes_store.h). Open
// addressing on the token hashes themselves (already uniformly mixed); about
// 24 bytes per slot at a load of at most 0.7. The character model changes
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
    // each slot is prefetched a few probes ahead, so the loads overlap
    // instead of each waiting for memory in turn.
    void findAll(const std::vector<TokenHash>& hashes, std::vector<KnownToken>& out) const;

  private:
    struct Slot {
        TokenHash hash = 0;
        std::uint32_t spam = 0, ham = 0;
        float weight = 0;
        std::uint32_t used = 0;
    };
    void insert(TokenHash hash, const TokenCounts& counts);

    std::vector<Slot, util::HugePageAllocator<Slot>> slots_;  // probed at random: huge pages
    std::size_t size_ = 0;
    BayesTotals totals_;
    std::int64_t generation_ = 0;
    std::shared_ptr<const CharScorer> chars_;
    std::int64_t chars_stamp_ = 0;
};

}  // namespace moat::content
