// Logistic regression over a message's unique token hashes, as the strongest
// filters of the TREC spam tracks (Goodman & Yih 2006; Sculley & Wachman
// 2007): logit = bias + n^-p * the sum of the weights of the message's n
// tokens. Each feature's value is n^-p (p = feature_power, 1/3): between
// binary features (p = 0), where a long message's many weak words swamp its
// few telling ones, and unit-length vectors (p = 1/2, Sculley's choice); p
// was chosen on the benchmark's training folds (docs/content-analysis.md). Learnt online, one message at a time (step), and
// retrained in batch from the stored examples (train), in an order fixed by
// the messages' digests so the order an administrator learnt them in does
// not matter. Pure functions over an in-memory weight table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "content/bayes_tokenizer.h"

namespace moat::content {

// The version of the weights' meaning, kept with them in the store: weights
// learnt under another one are not used until a retraining (1: binary
// features; 2: features of value n^-1/3).
inline constexpr int kLogisticModelVersion = 2;

struct LogisticOptions {
    double rate = 10.0;  // learning rate of a step (chosen on sender-grouped training folds)
    double feature_power = 1.0 / 3.0;  // p: each of a message's n features has value n^-p
    int epochs = 5;     // passes over the examples when retraining
    double decay = 0;   // pass k learns at rate / (1 + decay * k)
    int orders = 8;     // models trained in different orders, averaged (at rate 10 one is noisy)
};

// A learnt message as the classifier keeps it for retraining.
struct Example {
    TokenHash digest = 0;
    bool spam = false;
    std::vector<TokenHash> features;  // sorted, unique
    std::string text;  // what the character model reads (char_model.h); empty: none kept
};

struct LogisticWeights {
    std::unordered_map<TokenHash, float> weights;
    double bias = 0;

    double logit(const std::vector<TokenHash>& features, const LogisticOptions& options = {}) const;
};

double sigmoid(double z);

// The value of each feature of a message with n features: n^-power (0 for none).
double featureValue(std::size_t n, double power);

// The weight of a token the model has never seen is 0.
using WeightLookup = std::function<double(TokenHash)>;

// One stochastic gradient step towards `spam` for a message with these
// features; returns the new weights of those features, in their order, and
// moves bias. The caller stores them: a step changes one message's worth.
std::vector<float> logisticStep(const std::vector<TokenHash>& features, bool spam,
                                const WeightLookup& weight, double& bias,
                                const LogisticOptions& options = {});

// Trains from zero on the examples (pointers so folds need no copies).
LogisticWeights trainLogistic(const std::vector<const Example*>& examples,
                              const LogisticOptions& options = {});

}  // namespace moat::content
