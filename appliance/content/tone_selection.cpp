#include "content/tone_selection.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace moat::content {

std::vector<bool> toneSelection(const std::vector<const Example*>& examples, const BayesOptions& options) {
    std::vector<bool> counted(examples.size(), options.tone_band <= 0);
    if (options.tone_band <= 0) return counted;
    std::vector<std::size_t> order(examples.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return examples[a]->digest != examples[b]->digest ? examples[a]->digest < examples[b]->digest
                                                          : examples[a]->spam < examples[b]->spam;
    });
    std::unordered_map<TokenHash, TokenCounts> tokens;
    BayesTotals totals;
    const TokenLookup lookup = [&tokens](TokenHash h, TokenCounts& c) {
        auto it = tokens.find(h);
        if (it == tokens.end()) return false;
        c = it->second;
        return true;
    };
    for (int pass = 0; pass < kTonePasses; ++pass) {
        bool added = false;
        for (std::size_t i : order) {
            if (counted[i]) continue;
            const Example& e = *examples[i];
            // Weights are all 0 here: only the Bayes part of the result is read.
            double b = classifyTokens(e.features, lookup, totals, options).bayes;
            if ((e.spam ? 1 - b : b) <= options.tone_band) continue;
            ++(e.spam ? totals.spam_messages : totals.ham_messages);
            for (TokenHash f : e.features) ++(e.spam ? tokens[f].spam : tokens[f].ham);
            counted[i] = true;
            added = true;
        }
        if (!added) break;
    }
    return counted;
}

}  // namespace moat::content
