#include "content/classifier_training.h"

#include <algorithm>

#include "content/tone_selection.h"

namespace moat::content {

InMemoryModel inMemoryModel(const std::vector<const Example*>& examples,
                            const LogisticWeights& logistic, const BayesOptions& options) {
    InMemoryModel m;
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

BayesResult InMemoryModel::classify(const std::vector<TokenHash>& hashes,
                                    const BayesOptions& options, double chars) const {
    return classifyTokens(
        hashes,
        [this](TokenHash h, TokenCounts& c) {
            auto it = tokens.find(h);
            if (it == tokens.end()) return false;
            c = it->second;
            return true;
        },
        totals, options, chars);
}

std::optional<CharScorer> charModelOf(const std::vector<const Example*>& examples,
                                      const CharModelOptions& options) {
    std::vector<std::string_view> texts;
    for (const Example* e : examples)
        if (!e->text.empty()) texts.push_back(e->text);
    if (texts.empty()) return std::nullopt;
    CharModel model(options);
    for (const Example* e : examples)
        if (!e->text.empty()) model.learn(e->text, e->spam);
    return model.compile(texts);
}

std::vector<HeldOut> heldOutOutputs(const std::vector<Example>& examples,
                                    const BayesOptions& options, int folds) {
    std::vector<HeldOut> out;
    for (int fold = 0; fold < folds; ++fold) {
        std::vector<const Example*> train, test;
        for (const auto& e : examples)
            (static_cast<int>(e.digest % static_cast<TokenHash>(folds)) == fold ? test : train)
                .push_back(&e);
        if (test.empty()) continue;
        auto model = inMemoryModel(train, trainLogistic(train, options.logistic), options);
        auto chars = charModelOf(train, options.chars);
        for (const Example* e : test) {
            auto r = model.classify(e->features, options);
            if (r.trained)
                out.push_back({r.logistic, bayesLogit(r.bayes), e->spam, chars ? chars->score(e->text) : 0.0});
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
    out.chars = charModelOf(all, options.chars);
    auto heldout = heldOutOutputs(examples, options);
    out.calibration = options.stacked ? fitStackedCalibration(heldout, options.bayes_weight)
                                      : fitCalibration(heldout, options.bayes_weight);
    return out;
}

}  // namespace moat::content
