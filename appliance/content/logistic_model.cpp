#include "content/logistic_model.h"

#include <algorithm>
#include <cmath>

namespace moat::content {
namespace {

// A weight never grows past this: one token cannot decide a message alone,
// and a corrupt or hostile training set cannot push a weight to infinity.
constexpr double kMaxWeight = 8.0;

std::uint64_t mix(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace

double sigmoid(double z) {
    return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}

double featureValue(std::size_t n, double power) {
    return n == 0 ? 0.0 : power == 0 ? 1.0 : std::pow(static_cast<double>(n), -power);
}

double LogisticWeights::logit(const std::vector<TokenHash>& features, const LogisticOptions& options) const {
    double sum = 0;
    for (auto f : features)
        if (auto it = weights.find(f); it != weights.end()) sum += it->second;
    return bias + featureValue(features.size(), options.feature_power) * sum;
}

std::vector<float> logisticStep(const std::vector<TokenHash>& features, bool spam,
                                const WeightLookup& weight, double& bias,
                                const LogisticOptions& options) {
    std::vector<float> current;
    current.reserve(features.size());
    const double x = featureValue(features.size(), options.feature_power);
    double sum = 0;
    for (auto f : features) {
        current.push_back(static_cast<float>(weight(f)));
        sum += current.back();
    }
    double gradient = (spam ? 1.0 : 0.0) - sigmoid(bias + x * sum);
    double delta = options.rate * gradient;
    for (auto& w : current) w = static_cast<float>(std::clamp(w + delta * x, -kMaxWeight, kMaxWeight));
    // The bias steps like a feature every message has (value x): a step on
    // one short message cannot swing every verdict.
    bias = std::clamp(bias + delta * x, -kMaxWeight, kMaxWeight);
    return current;
}

namespace {

LogisticWeights trainOnce(const std::vector<const Example*>& examples,
                          const LogisticOptions& options, std::uint64_t seed) {
    LogisticWeights model;
    std::vector<const Example*> order = examples;
    for (int epoch = 0; epoch < options.epochs; ++epoch) {
        // Each pass in its own order, fixed by the digests: the same examples
        // always give the same model, however they were learnt.
        std::uint64_t salt = mix(seed * 1000003u + static_cast<std::uint64_t>(epoch) + 1);
        std::sort(order.begin(), order.end(), [salt](const Example* a, const Example* b) {
            return mix(a->digest ^ salt) < mix(b->digest ^ salt);
        });
        double rate = options.rate / (1.0 + options.decay * epoch);
        for (const Example* e : order) {
            const double x = featureValue(e->features.size(), options.feature_power);
            double delta = rate * ((e->spam ? 1.0 : 0.0) - sigmoid(model.logit(e->features, options)));
            for (auto f : e->features) {
                float& w = model.weights[f];
                w = static_cast<float>(std::clamp(w + delta * x, -kMaxWeight, kMaxWeight));
            }
            model.bias = std::clamp(model.bias + delta * x, -kMaxWeight, kMaxWeight);
        }
    }
    return model;
}

}  // namespace

LogisticWeights trainLogistic(const std::vector<const Example*>& examples,
                              const LogisticOptions& options) {
    // A stochastic gradient's last steps weigh most, so one order of the
    // examples gives a noisy model: the average of a few orders is steadier.
    LogisticWeights average;
    int models = std::max(options.orders, 1);
    for (int k = 0; k < models; ++k) {
        LogisticWeights one = trainOnce(examples, options, static_cast<std::uint64_t>(k));
        for (const auto& [f, w] : one.weights) average.weights[f] += w / static_cast<float>(models);
        average.bias += one.bias / models;
    }
    return average;
}

}  // namespace moat::content
