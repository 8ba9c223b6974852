#include "content/bayes_classifier.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "content/bayes_tokenizer.h"
#include "content/classifier_training.h"
#include "content/token_table.h"
#include "content/tone_selection.h"

namespace moat::content {
namespace {

// Probability that a chi-square variable with v (even) degrees of freedom
// exceeds x2: e^-m · Σ_{i<v/2} m^i / i! with m = x2/2. The series is summed
// in plain products (no logarithm per term), its scale kept apart whenever
// it grows past 1e200 (one step multiplies by at most m), so large sums
// neither overflow nor underflow.
double chi2Q(double x2, std::size_t v) {
    double m = x2 / 2.0;
    if (m <= 0) return 1.0;
    constexpr double kScale = 1e200;
    const double log_scale = std::log(kScale);
    double term = 1.0, sum = 1.0, log_factor = -m;
    for (std::size_t i = 1; i < v / 2; ++i) {
        term *= m / static_cast<double>(i);
        sum += term;
        if (sum > kScale) {
            term /= kScale;
            sum /= kScale;
            log_factor += log_scale;
        }
    }
    return std::min(std::exp(log_factor + std::log(sum)), 1.0);
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

BayesResult classifyTokens(const std::vector<TokenHash>& hashes, const TokenLookup& known,
                           const BayesTotals& totals, const BayesOptions& options, double chars) {
    std::vector<KnownToken> found;
    for (TokenHash hash : hashes) {
        KnownToken t{hash, {}};
        if (known(hash, t.counts)) found.push_back(t);
    }
    return classifyKnown(found, hashes.size(), totals, options, chars);
}

BayesResult classifyKnown(const std::vector<KnownToken>& known, std::size_t features,
                          const BayesTotals& totals, const BayesOptions& options, double chars,
                          BayesOpinion opinion) {
    BayesResult result;
    result.trained = totals.spam_messages >= options.min_messages &&
                     totals.ham_messages >= options.min_messages && options.min_messages > 0;
    if (!result.trained) return result;
    const bool bayes = opinion == BayesOpinion::always || totals.calibration.bayes_weight != 0;
    // Candidates are chosen without their Clue (whose token text would be
    // moved on every swap): a message has thousands of known tokens and
    // keeps at most max_clues of them.
    struct Candidate {
        double distance;  // |f - 0.5|: strength of the clue
        double probability;
        std::size_t index;  // into known
    };
    std::vector<Candidate> candidates;
    if (bayes) candidates.reserve(known.size());
    double weights = 0;
    for (std::size_t i = 0; i < known.size(); ++i) {
        weights += known[i].counts.weight;
        if (!bayes) continue;
        double f = tokenProbability(known[i].counts, totals, options);
        double distance = std::fabs(f - 0.5);
        if (distance < options.min_distance) continue;
        candidates.push_back({distance, f, i});
    }
    // Strongest first; ties by hash, so the order is total and the same on every run.
    auto stronger = [&known](const Candidate& a, const Candidate& b) {
        return a.distance != b.distance ? a.distance > b.distance : known[a.index].hash < known[b.index].hash;
    };
    const std::size_t keep = std::min(options.max_clues, candidates.size());
    if (keep < candidates.size())
        std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep),
                         candidates.end(), stronger);
    candidates.resize(keep);
    std::sort(candidates.begin(), candidates.end(), stronger);
    std::vector<Clue> clues;
    clues.reserve(keep);
    for (const auto& c : candidates) clues.push_back({known[c.index].hash, {}, c.probability, known[c.index].counts});
    if (known.empty()) return result;  // nothing it has learnt about: no opinion
    std::vector<double> probabilities;
    probabilities.reserve(clues.size());
    for (const auto& c : clues) probabilities.push_back(c.probability);
    if (bayes) result.bayes = chiSquareCombine(probabilities);
    // Weights learnt under an older model version mean something else: left
    // out (Bayes alone, through the old calibration) until a retraining.
    result.logistic = totals.logisticCurrent()
                          ? totals.bias + featureValue(features, options.logistic.feature_power) * weights
                          : 0.0;
    result.chars = chars;
    result.evidence = totals.calibration.evidence(result.logistic, result.bayes, chars);
    result.probability = totals.calibration.probability(result.evidence);
    result.clues = std::move(clues);
    return result;
}

const CharScorer* BayesClassifier::characterScorer() {
    if (table_) {
        const CharScorer* chars = table_->charModel();
        return chars && table_->totals().calibration.char_weight != 0 ? chars : nullptr;
    }
    if (!chars_from_store_) return nullptr;
    if (!stored_chars_) {
        // Only worth reading (tens of MB) when the calibration gives it a say.
        stored_chars_.emplace();
        if (store_.totals().calibration.char_weight != 0) *stored_chars_ = store_.charModel();
    }
    return *stored_chars_ ? &**stored_chars_ : nullptr;
}

BayesResult BayesClassifier::classifyHashes(const std::vector<TokenHash>& hashes, double chars) {
    BayesTotals totals = table_ ? table_->totals() : store_.totals();
    if (table_) {
        std::vector<KnownToken> known;
        table_->findAll(hashes, known);
        return classifyKnown(known, hashes.size(), totals, options_, chars, BayesOpinion::when_weighed);
    }
    bool trained = totals.spam_messages >= options_.min_messages &&
                   totals.ham_messages >= options_.min_messages;
    auto known = trained ? store_.lookup(hashes) : std::unordered_map<TokenHash, TokenCounts>{};
    return classifyTokens(
        hashes,
        [&known](TokenHash h, TokenCounts& c) {
            auto it = known.find(h);
            if (it == known.end()) return false;
            c = it->second;
            return true;
        },
        totals, options_, chars);
}

BayesResult BayesClassifier::classify(const std::vector<std::string>& tokens) {
    std::unordered_map<TokenHash, const std::string*> names;
    std::vector<TokenHash> hashes;
    hashes.reserve(tokens.size());
    for (const auto& t : tokens) {
        TokenHash h = hashToken(t);
        if (names.emplace(h, &t).second) hashes.push_back(h);
    }
    std::sort(hashes.begin(), hashes.end());
    BayesResult result = classifyHashes(hashes);
    for (auto& clue : result.clues) clue.token = *names[clue.hash];
    return result;
}

BayesResult BayesClassifier::classify(const DecodedMessage& message) {
    // The text is built only for a scorer that will read it, as it was built
    // for (a scorer stored before header fields were read reads none).
    const CharScorer* chars = characterScorer();
    return classifyHashes(tokenHashes(message),
                          chars ? chars->score(charModelText(message, chars->options())) : 0.0);
}

void nameClues(const DecodedMessage& message, BayesResult& result) {
    // Only the clues need their texts: built for them alone.
    std::unordered_set<TokenHash> wanted;
    for (const auto& clue : result.clues) wanted.insert(clue.hash);
    auto names = tokenNames(message, wanted);
    for (auto& clue : result.clues) clue.token = names[clue.hash];
}

LearnOutcome BayesClassifier::learn(const DecodedMessage& message, bool spam, std::int64_t at,
                                    bool step) {
    return store_.learn(messageDigest(message), tokenHashes(message),
                        charModelText(message, options_.chars), spam, at,
                        step ? std::optional<LogisticOptions>(options_.logistic) : std::nullopt);
}

std::size_t BayesClassifier::retrain() {
    auto examples = store_.examples();
    bool spam = false, ham = false;
    for (const auto& e : examples) (e.spam ? spam : ham) = true;
    if (!spam || !ham) return 0;
    std::vector<const Example*> all;
    all.reserve(examples.size());
    for (const auto& e : examples) all.push_back(&e);
    store_.setCounted(examples, toneSelection(all, options_), static_cast<std::int64_t>(std::time(nullptr)));
    auto trained = trainClassifier(examples, options_);
    // A character model the calibration gives no say is not worth its bytes.
    const bool chars = trained.chars && trained.calibration.char_weight != 0;
    store_.storeModel(trained.logistic, trained.calibration, chars ? &*trained.chars : nullptr);
    stored_chars_.reset();
    return examples.size();
}

}  // namespace moat::content
