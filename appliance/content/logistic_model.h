// Logistic regression over binary features — a message's unique token hashes
// — as the strongest filters of the TREC spam tracks (Goodman & Yih 2006;
// Sculley & Wachman 2007): logit = bias + the sum of the weights of the
// message's tokens. Learnt online, one message at a time (step), and
// retrained in batch from the stored examples (train), in an order fixed by
// the messages' digests so the order an administrator learnt them in does
// not matter. Pure functions over an in-memory weight table.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "content/bayes_tokenizer.h"

namespace moat::content {

struct LogisticOptions {
    double rate = 0.1;  // learning rate of a step
    int epochs = 5;     // passes over the examples when retraining
    double decay = 0;   // pass k learns at rate / (1 + decay * k)
    int orders = 4;     // models trained in different orders, averaged
};

// A learnt message as the classifier keeps it for retraining.
struct Example {
    TokenHash digest = 0;
    bool spam = false;
    std::vector<TokenHash> features;  // sorted, unique
};

struct LogisticWeights {
    std::unordered_map<TokenHash, float> weights;
    double bias = 0;

    double logit(const std::vector<TokenHash>& features) const;
};

double sigmoid(double z);

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
