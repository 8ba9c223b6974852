#include "content/bayes_classifier.h"

#include <algorithm>
#include <cmath>

#include "content/bayes_tokenizer.h"

namespace moat::content {
namespace {

// Probability that a chi-square variable with v (even) degrees of freedom
// exceeds x2, summed in log space so large sums do not underflow.
double chi2Q(double x2, std::size_t v) {
    double m = x2 / 2.0;
    if (m <= 0) return 1.0;
    double log_term = -m, log_sum = -m;
    for (std::size_t i = 1; i < v / 2; ++i) {
        log_term += std::log(m / static_cast<double>(i));
        double hi = std::max(log_sum, log_term), lo = std::min(log_sum, log_term);
        log_sum = hi + std::log1p(std::exp(lo - hi));
    }
    return std::min(std::exp(log_sum), 1.0);
}

}  // namespace

double tokenProbability(const TokenCounts& counts, const BayesTotals& totals,
                        const BayesOptions& options) {
    double nspam = static_cast<double>(std::max<std::int64_t>(totals.spam_messages, 1));
    double nham = static_cast<double>(std::max<std::int64_t>(totals.ham_messages, 1));
    double spam_ratio = static_cast<double>(counts.spam) / nspam;
    double ham_ratio = static_cast<double>(counts.ham) / nham;
    double n = static_cast<double>(counts.spam + counts.ham);
    if (n <= 0 || spam_ratio + ham_ratio <= 0) return options.prior;
    double p = spam_ratio / (spam_ratio + ham_ratio);
    return (options.strength * options.prior + n * p) / (options.strength + n);
}

double chiSquareCombine(const std::vector<double>& probabilities) {
    if (probabilities.empty()) return 0.5;
    double log_h = 0, log_s = 0;
    for (double p : probabilities) {
        p = std::clamp(p, 1e-9, 1 - 1e-9);
        log_h += std::log(p);
        log_s += std::log(1.0 - p);
    }
    std::size_t v = 2 * probabilities.size();
    double s = 1.0 - chi2Q(-2.0 * log_s, v);  // evidence for spam
    double h = 1.0 - chi2Q(-2.0 * log_h, v);  // evidence for ham
    return std::clamp((s - h + 1.0) / 2.0, 0.0, 1.0);
}

BayesResult BayesClassifier::classify(const std::vector<std::string>& tokens) {
    BayesResult result;
    BayesTotals totals = store_.totals();
    result.trained = totals.spam_messages >= options_.min_messages &&
                     totals.ham_messages >= options_.min_messages && options_.min_messages > 0;
    if (!result.trained) return result;

    std::vector<std::pair<TokenHash, const std::string*>> hashed;
    hashed.reserve(tokens.size());
    for (const auto& t : tokens) hashed.emplace_back(hashToken(t), &t);
    std::sort(hashed.begin(), hashed.end());
    hashed.erase(std::unique(hashed.begin(), hashed.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 hashed.end());
    std::vector<TokenHash> hashes;
    hashes.reserve(hashed.size());
    for (const auto& h : hashed) hashes.push_back(h.first);
    auto counts = store_.lookup(hashes);

    std::vector<Clue> clues;
    for (const auto& [hash, token] : hashed) {
        auto it = counts.find(hash);
        if (it == counts.end()) continue;
        double f = tokenProbability(it->second, totals, options_);
        if (std::fabs(f - 0.5) < options_.min_distance) continue;
        clues.push_back({*token, f, it->second});
    }
    std::stable_sort(clues.begin(), clues.end(), [](const Clue& a, const Clue& b) {
        return std::fabs(a.probability - 0.5) > std::fabs(b.probability - 0.5);
    });
    if (clues.size() > options_.max_clues) clues.resize(options_.max_clues);
    std::vector<double> probabilities;
    for (const auto& c : clues) probabilities.push_back(c.probability);
    result.probability = chiSquareCombine(probabilities);
    result.clues = std::move(clues);
    return result;
}

BayesResult BayesClassifier::classify(const DecodedMessage& message) {
    return classify(tokenize(message));
}

LearnOutcome BayesClassifier::learn(const DecodedMessage& message, bool spam, std::int64_t at) {
    return store_.learn(messageDigest(message), hashTokens(tokenize(message)), spam, at);
}

}  // namespace moat::content
