// Spam probability from tokens, as SpamBayes: Robinson's f(w) = (s*x + n*p(w))
// / (s + n) per token (s = 1, x = 0.5), the 150 tokens furthest from 0.5
// (|f - 0.5| >= 0.1) combined by Fisher's chi-square method into
// (S - H + 1) / 2. Untrained (no spam or no ham learnt) or no strong token:
// 0.5. Pure functions plus a facade over BayesStore.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "content/bayes_store.h"
#include "content/decoded_message.h"

namespace moat::content {

struct BayesOptions {
    double strength = 1.0;          // s: weight of the prior x
    double prior = 0.5;             // x: f(w) of a token never seen
    double min_distance = 0.1;      // tokens with |f - 0.5| below this are ignored
    std::size_t max_clues = 150;    // strongest tokens combined
    std::int64_t min_messages = 1;  // of each class before the classifier speaks
};

struct Clue {
    std::string token;
    double probability = 0.5;
    TokenCounts counts;
};

struct BayesResult {
    double probability = 0.5;  // 0 ham .. 1 spam
    bool trained = false;
    std::vector<Clue> clues;  // strongest first
};

// Robinson's f(w).
double tokenProbability(const TokenCounts& counts, const BayesTotals& totals,
                        const BayesOptions& options);

// Fisher/Robinson chi-square combining of token probabilities (0.5 for none).
double chiSquareCombine(const std::vector<double>& probabilities);

class BayesClassifier {
  public:
    explicit BayesClassifier(BayesStore& store, BayesOptions options = {})
        : store_(store), options_(options) {}

    BayesResult classify(const std::vector<std::string>& tokens);
    BayesResult classify(const DecodedMessage& message);
    LearnOutcome learn(const DecodedMessage& message, bool spam, std::int64_t at);

  private:
    BayesStore& store_;
    BayesOptions options_;
};

}  // namespace moat::content
