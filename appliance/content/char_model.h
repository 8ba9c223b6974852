// A character-level model of each class, for the classifier's third opinion:
// how well the message's text is predicted, byte by byte, by what spam and
// what ham of the past looked like (Bratko, Cormack, Filipič et al., "Spam
// filtering using statistical data compression models", JMLR 2006: the
// compression models that led the TREC 2005 spam track). Where the token
// models see words and phrases, this one sees spelling, punctuation, layout
// and the parts of words that tokenizing drops or splits (obfuscations,
// numbers, URLs' letters), and it judges a message from senders never learnt
// by its style as much as by its vocabulary.
//
// Each class has interpolated Witten-Bell estimates of P(next byte | the k
// bytes before) for orders min_order..max_order: P_k = (c(ctx_k, b) +
// u(ctx_k) P_{k-1}) / (n(ctx_k) + u(ctx_k)), n the context's count, u its
// distinct followers, below min_order a uniform 1/256. A message's score is
// the mean over its bytes of log P_spam(b) − log P_ham(b). Learning adds one
// message's counts (and unlearning takes them away again): incremental,
// order-independent. Counts are keyed by a 64-bit hash of (order, context,
// byte), so unrelated contexts practically never share a count; they live in
// one open-addressing table (24 bytes a slot, at most max_entries keys: past
// that, keys not yet known are not added), and scoring prefetches each
// position's slots twelve positions ahead, as the token table does, so that
// a message's few thousand probes overlap instead of waiting for memory in turn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/decoded_message.h"

namespace moat::content {

struct CharModelOptions {
    int min_order = 4;  // orders 4-5: chosen on the training folds (docs/content-analysis.md)
    int max_order = 5;
    std::size_t max_bytes = 2000;  // of a message's text read (learnt and scored)
    // Keys (contexts and symbols) kept: 24 B each in a table at most 70 %
    // full, so at most 384 MiB in memory; a training set of 3,000 messages
    // fills 1.7 M (docs/content-analysis.md).
    std::size_t max_entries = 8u << 20;
};

// The text the model reads: "subject: <Subject> from: <From> <text parts>",
// white space collapsed to single spaces, cut at max_bytes (at a UTF-8
// character boundary).
std::string charModelText(const DecodedMessage& message, std::size_t max_bytes);

class CharModel {
public:
    explicit CharModel(CharModelOptions options = {}) : options_(options) {}

    // Adds (sign +1) or takes away (sign -1) one message's counts.
    void learn(std::string_view text, bool spam, int sign = 1);
    // Mean log-likelihood ratio per byte, spam over ham; 0 for an empty text
    // or until both classes have been learnt.
    double score(std::string_view text) const;

    // Keys held (contexts and symbols together), and the table's bytes.
    std::size_t entries() const { return used_; }
    std::size_t memoryBytes() const { return slots_.size() * sizeof(Slot); }
    const CharModelOptions& options() const { return options_; }

    // The model as bytes for the store (its options, byte totals and every
    // key's counts, little-endian: 24 bytes a key), and back. deserialize
    // refuses anything malformed — wrong magic or length, options out of
    // range, more keys than max_entries, an empty or repeated key — rather
    // than score with a damaged model.
    std::string serialize() const;
    static std::optional<CharModel> deserialize(std::string_view bytes);

private:
    // A context's slot: ham n, ham u, spam n, spam u. A symbol's: ham, spam count.
    struct Slot {
        std::uint64_t key = 0;  // 0: empty
        std::uint32_t v[4] = {0, 0, 0, 0};
    };
    const Slot* find(std::uint64_t key) const;
    Slot* findOrAdd(std::uint64_t key);  // nullptr when full; never grows the table
    void reserve(std::size_t more);      // grows it for `more` new keys, within max_entries
    void grow();

    CharModelOptions options_;
    std::vector<Slot> slots_;
    std::size_t used_ = 0;
    std::uint64_t ham_bytes_ = 0, spam_bytes_ = 0;
};

}  // namespace moat::content
