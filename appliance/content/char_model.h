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
// the mean over its bytes of log P_spam(b) − log P_ham(b).
//
// Two stages. CharModel learns: counts keyed by (order, context, byte)
// packed into 64 bits and mixed (orders up to 6: exact keys, no two contexts
// share a count), in one open-addressing table of at most max_entries keys
// (past that, keys not yet known are not added); learning is additive,
// order-independent, and unlearning one message is exact. compile() then
// turns it into a CharScorer, which only scores: for every (context, byte)
// of the training texts the log ratio at that order, everything below
// included, and for every context the log ratio of its escape (the byte
// never followed it). Scoring a byte then walks down from the highest order
// and stops at the first (context, byte) it knows — one table probe for
// most bytes of ordinary text, instead of two per order — with no division
// or logarithm per byte. That is what makes the model cheap enough to run on
// every message (docs/content-analysis.md). A retraining builds both; the
// store and moat-smtpd keep only the scorer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/decoded_message.h"
#include "util/huge_page_allocator.h"

namespace moat::content {

inline constexpr int kMaxCharOrder = 6;  // longer contexts are not supported

struct CharModelOptions {
    int min_order = 4;  // orders 4-5: chosen on the training folds (docs/content-analysis.md)
    int max_order = 5;  // at most kMaxCharOrder
    // Of a message's text read (learnt and scored): at most max_bytes, of
    // which the header fields the sender wrote take up to header_bytes
    // (docs/content-analysis.md). A scorer stored before header fields were
    // read says header_bytes 0 and 2,000 max_bytes: it reads the text as
    // it was built for.
    std::size_t max_bytes = 2500;
    std::size_t header_bytes = 500;
    // Keys (contexts and symbols) kept: 24 B each in a table at most 70 %
    // full, so at most 384 MiB in memory; a training set of 3,000 messages
    // fills 1.7 M (docs/content-analysis.md).
    std::size_t max_entries = 8u << 20;
};

// The text the model reads, white space collapsed to single spaces: first
// "<field>: <value>" for each top-level header field in message order but
// Subject, From and those added in transit (transit_fields.h), cut below
// header_bytes; then "subject: <Subject> from: <From> <text parts>", cut at
// max_bytes - header_bytes (cuts at UTF-8 character boundaries). What a
// mail program or a bulk-mail tool writes in its fields (Content-Type's
// parameters, the Message-ID's and Date's forms, X-Mailer, List-*,
// recipients) is style the body does not show.
std::string charModelText(const DecodedMessage& message, const CharModelOptions& options = {});

class CharScorer;

class CharModel {
public:
    explicit CharModel(CharModelOptions options = {});

    // Adds (sign +1) or takes away (sign -1) one message's counts.
    void learn(std::string_view text, bool spam, int sign = 1);
    // Mean log-likelihood ratio per byte, spam over ham, from the counts; 0
    // for an empty text or until both classes have been learnt. The
    // reference CharScorer must agree with (slow: for tests and tools).
    double score(std::string_view text) const;
    // The scorer of this model; texts: those it learnt (the (context, byte)
    // pairs it knows are theirs). Empty (scores 0) until both classes are learnt.
    CharScorer compile(const std::vector<std::string_view>& texts) const;

    // Keys held (contexts and symbols together), and the table's bytes.
    std::size_t entries() const { return used_; }
    std::size_t memoryBytes() const { return slots_.size() * sizeof(Slot); }
    const CharModelOptions& options() const { return options_; }

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
    // P_spam and P_ham of text[i] at each order min..max (bottom up), as score
    // computes them; calls visit(order, symbol slot or null, p_spam, p_ham)
    // for each order whose context is known.
    template <typename Visit>
    void walk(std::string_view text, std::size_t i, std::uint64_t window, Visit&& visit) const;

    CharModelOptions options_;
    std::vector<Slot> slots_;
    std::size_t used_ = 0;
    std::uint64_t ham_bytes_ = 0, spam_bytes_ = 0;
};

// A compiled character model: scores, nothing else (see the top of this file).
class CharScorer {
public:
    CharScorer() = default;

    double score(std::string_view text) const;

    std::size_t entries() const { return used_; }
    std::size_t memoryBytes() const { return slots_.size() * sizeof(Slot) + keys_.size() * sizeof(std::uint64_t); }
    const CharModelOptions& options() const { return options_; }

    // As bytes for the store (its orders, max_bytes and header_bytes, then
    // 12 bytes a key: the key and its log ratio, little-endian), and back;
    // deserialize also reads the first format ("MOATCS01", no header_bytes:
    // 0, a scorer of texts without header fields). It refuses anything
    // malformed — wrong magic or length, options out of range, an empty or
    // repeated key, a log ratio that is not finite — rather than score with
    // a damaged model.
    std::string serialize() const;
    static std::optional<CharScorer> deserialize(std::string_view bytes);

private:
    friend class CharModel;
    // What scoring probes, 8 bytes a key: half of the 16 a full key would
    // take, so twice as much of the table stays in the processor's cache.
    // A slot is matched by the key's upper half (its lower bits chose the
    // slot): two keys could be taken for each other once in 2^32 probes,
    // which moves a mean over thousands of bytes by nothing measurable.
    struct Slot {
        std::uint32_t check = 0;  // 0: empty
        float value = 0;          // log P_spam - log P_ham (a symbol) or of the escape (a context)
    };
    static std::uint32_t checkOf(std::uint64_t key);
    void reserve(std::size_t keys);
    void put(std::uint64_t key, float value);  // adds or overwrites (the exact key)
    const Slot* find(std::uint64_t key) const;
    bool holds(std::uint64_t key) const;  // exactly, not by the check

    CharModelOptions options_;
    std::vector<Slot, util::HugePageAllocator<Slot>> slots_;  // probed at random: huge pages
    std::vector<std::uint64_t> keys_;  // each used slot's whole key, same index: for put and serialize
    std::size_t used_ = 0;
};

}  // namespace moat::content
