// The classifier's memory in the store (migrations 4 and 6): per token hash
// the learnt spam and ham messages it occurred in, its logistic weight and
// when last learnt; the message totals, the logistic bias and calibration;
// learnt messages' digests, the most recent kMaxExamples learnt messages'
// tokens and texts for retraining, and the character model the last
// retraining built from those texts. One transaction per learnt message. Uses the caller's session
// (one thread at a time, as any Poco session); store failures throw: an environment failure, retry
// later.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "content/bayes_tokenizer.h"
#include "content/calibration.h"
#include "content/char_model.h"
#include "content/logistic_model.h"
#include "store/bayes_tables.h"
#include "store/write_transaction.h"

namespace moat::content {

struct TokenCounts {
    std::int64_t spam = 0, ham = 0;
    float weight = 0;  // in the logistic model
};

// A token of a message that has been learnt, with what is known of it.
struct KnownToken {
    TokenHash hash = 0;
    TokenCounts counts;
};

// Messages learnt per class (the denominators of every token probability)
// and the logistic model's bias and calibration.
struct BayesTotals {
    std::int64_t spam_messages = 0, ham_messages = 0;
    double bias = 0;
    Calibration calibration;
    // The stored weights, bias and calibration were trained for this version
    // of the logistic model (kLogisticModelVersion); under another, the
    // logistic model is left out until a retraining.
    int model_version = kLogisticModelVersion;
    bool logisticCurrent() const { return model_version == kLogisticModelVersion; }
};

// What the table holds, for administrators (a full scan: not per message).
struct TokenStats {
    std::int64_t tokens = 0;       // rows in bayes_tokens
    std::int64_t oldest_seen = 0;  // smallest last_seen (0: no tokens)
    std::int64_t newest_seen = 0;
};

enum class LearnOutcome {
    learnt,         // counted for the first time
    already_known,  // learnt before as the same class: nothing changed
    relearnt,       // learnt before as the other class: moved to this one
};

inline constexpr int kExpireDays = 90;
// Learnt messages kept for retraining (about 4 KB each), most recent first.
inline constexpr std::int64_t kMaxExamples = 20000;
inline constexpr std::int64_t kExpireMaxCount = 2;

class BayesStore {
  public:
    explicit BayesStore(Poco::Data::Session& session) : session_(session) {}

    BayesTotals totals();
    store::BayesLearnt learnt();
    TokenStats tokenStats();
    std::int64_t tokenCount();
    // Moves on with every change of counts or weights (learning, retraining,
    // expiry): whoever holds a copy (content/token_table.h) compares it.
    std::int64_t generation();
    // Every token row, in no order (a full scan, for TokenTable::load).
    void forEachToken(const std::function<void(TokenHash, const TokenCounts&)>& visit);

    // Counts of the given tokens; tokens never learnt are absent.
    std::unordered_map<TokenHash, TokenCounts> lookup(const std::vector<TokenHash>& tokens);

    // Counts one message's unique tokens as spam or ham, learnt at time `at`,
    // takes one logistic step on them (with step's options; none: no step)
    // and keeps them, with the message's character-model text, as an example
    // (the character model learns it at the next retraining).
    LearnOutcome learn(TokenHash digest, const std::vector<TokenHash>& tokens, std::string_view text,
                       bool spam, std::int64_t at,
                       const std::optional<LogisticOptions>& step = LogisticOptions{});

    // Bulk learning: learn() calls until commitBatch() share one write
    // transaction (each stays atomic within it), instead of rewriting the
    // same token pages once per message. Destroying the store, or
    // beginBatch() again, without commitBatch() rolls the batch back.
    void beginBatch();
    void commitBatch();

    std::int64_t exampleCount();

    // The stored examples, for retraining.
    std::vector<Example> examples();

    // Makes the Bayes counts hold exactly the examples selected (selected[i]
    // for examples[i], as examples() gave them): adds or removes the counts of
    // each whose state changes, in one transaction. Counts of learnt messages
    // no longer kept as examples are left as they are. Returns how many changed.
    std::size_t setCounted(const std::vector<Example>& examples, const std::vector<bool>& selected,
                           std::int64_t at);

    // Replaces the trained model: every token's weight (0 for tokens the
    // model does not have), the bias, the calibration and the character
    // model (null: none); one transaction.
    void storeModel(const LogisticWeights& model, const Calibration& calibration,
                    const CharScorer* chars = nullptr);

    // The character model the last retraining stored (nullopt: none, or
    // bytes that do not read back), and the stamp that moves on with it.
    std::optional<CharScorer> charModel();
    std::int64_t charModelStamp();

    // Removes tokens not learnt for `days` days whose spam + ham is at most
    // max_count (rare tokens that stopped coming: most of a table's growth),
    // and the digests of messages learnt more than max(days, 365) days ago.
    // Returns the number of tokens removed. For moatctl and the daemon's
    // nightly housekeeping.
    std::int64_t expire(int days, std::int64_t at, std::int64_t max_count = kExpireMaxCount);

  private:
    void step(const std::vector<TokenHash>& tokens, bool spam, const LogisticOptions& options);
    void count(const std::vector<TokenHash>& tokens, bool spam, int delta, std::int64_t at);

    Poco::Data::Session& session_;
    std::optional<store::WriteTransaction> batch_;
};

}  // namespace moat::content
