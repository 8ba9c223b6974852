// The content classifier: two models over the same tokens, fused and
// calibrated; 0.5 (no opinion) for a message with no token it has learnt. Bayes: Robinson's f(w) =
// (s*x + n*p(w)) / (s + n) per token (s = 0.3, x = 0.5), the 150 tokens furthest from 0.5 (|f - 0.5|
// >= 0.1) combined by Fisher's chi-square method into (S - H + 1) / 2. Logistic regression: bias +
// n^-1/3 times the weights of the message's n tokens (content/logistic_model.h). A third opinion
// from the message's text itself: the character model's mean log-likelihood ratio per byte
// (content/char_model.h). Evidence = the logistic logit + w * logit(Bayes) + v * characters,
// probability = sigmoid(a * evidence + b), with w, v, a and b fitted at each retraining on held-out
// outputs (content/calibration.h). Untrained (no spam or no ham learnt): 0.5. Pure functions plus a
// facade over BayesStore.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/bayes_store.h"
#include "content/calibration.h"
#include "content/char_model.h"
#include "content/decoded_message.h"
#include "content/logistic_model.h"

namespace moat::content {

struct BayesOptions {
    double strength = 0.3;          // s: weight of the prior x
    double prior = 0.5;             // x: f(w) of a token never seen
    double min_distance = 0.1;      // tokens with |f - 0.5| below this are ignored
    std::size_t max_clues = 150;    // strongest tokens combined
    std::int64_t min_messages = 1;  // of each class before the classifier speaks
    double bayes_weight = 0.5;      // of the Bayes logit in the evidence, unless stacked
    bool stacked = true;            // the retraining fits bayes_weight on held-out outputs (calibration.h)
    double tone_band = 0.01;        // Bayes counts what it was not this sure of (tone_selection.h)
    LogisticOptions logistic;
    CharModelOptions chars;         // of the character model a retraining builds
};

struct Clue {
    TokenHash hash = 0;
    std::string token;  // filled in by classify(tokens) and nameClues()
    double probability = 0.5;
    TokenCounts counts;
};

struct BayesResult {
    double probability = 0.5;  // calibrated P(spam) of the fused evidence
    double evidence = 0;       // the fused logit, before calibration
    double bayes = 0.5;        // the chi-square probability alone
    double logistic = 0;       // the logistic logit alone
    double chars = 0;          // the character model's score (0: none)
    bool trained = false;
    std::vector<Clue> clues;  // strongest Bayes tokens first
};

// Robinson's f(w).
double tokenProbability(const TokenCounts& counts, const BayesTotals& totals,
                        const BayesOptions& options);

// Fisher/Robinson chi-square combining of token probabilities (0.5 for none).
double chiSquareCombine(const std::vector<double>& probabilities);

// The models over one message's tokens, given each token's counts and
// weight (known answers false for a token never learnt), and the character
// model's score of its text. hashes: sorted, unique.
using TokenLookup = std::function<bool(TokenHash, TokenCounts&)>;
BayesResult classifyTokens(const std::vector<TokenHash>& hashes, const TokenLookup& known,
                           const BayesTotals& totals, const BayesOptions& options, double chars = 0);
// Whether the Bayes opinion (its clues and their chi-square combination)
// is formed always, or only when the calibration gives it a say: the
// retraining fits its weight on it, while a scan whose calibration weighs it
// 0 would form it for nothing (bayes then stays 0.5 and clues empty).
enum class BayesOpinion { always, when_weighed };
// The same, given the message's learnt tokens (in the order of its sorted
// hashes) among its `features` tokens in all.
BayesResult classifyKnown(const std::vector<KnownToken>& known, std::size_t features,
                          const BayesTotals& totals, const BayesOptions& options, double chars = 0,
                          BayesOpinion opinion = BayesOpinion::always);

class TokenTable;

// Fills in the texts of `result`'s clues, from the message they came from.
void nameClues(const DecodedMessage& message, BayesResult& result);

class BayesClassifier {
  public:
    explicit BayesClassifier(BayesStore& store, BayesOptions options = {})
        : store_(store), options_(options) {}
    // Classifies from an in-memory copy instead of the store's tables (the
    // gateway and bulk scoring); learning still goes to the store. A null
    // table (moat-smtpd before its first copy is loaded) scores from the
    // store's tables, without the character model: reading it per message
    // would cost every message tens of MB.
    BayesClassifier(BayesStore& store, std::shared_ptr<const TokenTable> table,
                    BayesOptions options = {})
        : store_(store), table_(std::move(table)), options_(options), chars_from_store_(false) {}

    // Tokens alone (no text for the character model).
    BayesResult classify(const std::vector<std::string>& tokens);
    // The scoring path: the clues' texts are left empty (naming them costs a
    // second tokenization; nameClues() does it for whoever shows them).
    BayesResult classify(const DecodedMessage& message);
    // Sorted, unique hashes, and the character model's score of the
    // message's text (characterScorer); the clues' texts are left empty.
    BayesResult classifyHashes(const std::vector<TokenHash>& hashes, double chars = 0);
    // The character model that scores messages: null when there is none or
    // the calibration gives it no weight. Without a table (the first
    // constructor), it is read from the store once, at the first call.
    const CharScorer* characterScorer();
    // Counts the message, takes one logistic step on its tokens (unless a
    // retraining follows anyway: bulk learning) and keeps it as an example
    // for retraining: one message's worth of state.
    LearnOutcome learn(const DecodedMessage& message, bool spam, std::int64_t at, bool step = true);
    // Retrains from the stored examples: which of them Bayes counts
    // (training on errors, tone_selection.h), the logistic model and its
    // calibration; returns how many were used (0, and nothing changes, until
    // both classes have examples).
    std::size_t retrain();

  private:
    BayesStore& store_;
    std::shared_ptr<const TokenTable> table_;
    BayesOptions options_;
    bool chars_from_store_ = true;
    std::optional<std::optional<CharScorer>> stored_chars_;  // read from the store, without a table
};

}  // namespace moat::content
