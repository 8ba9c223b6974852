#include "content/classifier_training.h"

#include <unordered_map>

#include "content/tone_selection.h"

namespace moat::content {
namespace {

// The Bayes counts and totals of a set of examples, with the logistic
// weights folded in so classifyTokens sees both models at once.
struct FoldModel {
    std::unordered_map<TokenHash, TokenCounts> tokens;
    BayesTotals totals;
};

FoldModel foldModel(const std::vector<const Example*>& examples, const LogisticWeights& logistic,
                    const BayesOptions& options) {
    FoldModel m;
    // Bayes counts what a retraining would have it count (tone_selection.h).
    auto counted = toneSelection(examples, options);
    for (std::size_t i = 0; i < examples.size(); ++i) {
        if (!counted[i]) continue;
        const Example* e = examples[i];
        ++(e->spam ? m.totals.spam_messages : m.totals.ham_messages);
        for (TokenHash f : e->features) ++(e->spam ? m.tokens[f].spam : m.tokens[f].ham);
    }
    for (auto& [hash, counts] : m.tokens)
        if (auto it = logistic.weights.find(hash); it != logistic.weights.end())
            counts.weight = it->second;
    m.totals.bias = logistic.bias;
    return m;
}

}  // namespace

std::vector<HeldOut> heldOutOutputs(const std::vector<Example>& examples,
                                    const BayesOptions& options, int folds) {
    std::vector<HeldOut> out;
    for (int fold = 0; fold < folds; ++fold) {
        std::vector<const Example*> train, test;
        for (const auto& e : examples)
            (static_cast<int>(e.digest % static_cast<TokenHash>(folds)) == fold ? test : train)
                .push_back(&e);
        if (test.empty()) continue;
        auto model = foldModel(train, trainLogistic(train, options.logistic), options);
        for (const Example* e : test) {
            auto r = classifyTokens(
                e->features,
                [&model](TokenHash h, TokenCounts& c) {
                    auto it = model.tokens.find(h);
                    if (it == model.tokens.end()) return false;
                    c = it->second;
                    return true;
                },
                model.totals, options);
            if (r.trained) out.push_back({r.logistic, bayesLogit(r.bayes), e->spam});
        }
    }
    return out;
}

TrainedClassifier trainClassifier(const std::vector<Example>& examples,
                                  const BayesOptions& options) {
    TrainedClassifier out;
    std::vector<const Example*> all;
    all.reserve(examples.size());
    for (const auto& e : examples) all.push_back(&e);
    out.logistic = trainLogistic(all, options.logistic);
    auto heldout = heldOutOutputs(examples, options);
    out.calibration = options.stacked ? fitStackedCalibration(heldout, options.bayes_weight)
                                      : fitCalibration(heldout, options.bayes_weight);
    return out;
}

}  // namespace moat::content
