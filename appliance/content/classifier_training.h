// Retraining the classifier from its stored examples: the logistic model
// from zero on all of them, the character model on their texts (when any
// has one), and the calibration — with the Bayes and character models'
// weights beside the logistic one's, when stacked — from k-fold held-out
// outputs (each fold scored by models trained without it), so its
// probabilities are honest on mail it has not learnt.
// Pure: the same examples give the same model, whatever their order.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "content/bayes_classifier.h"
#include "content/char_model.h"

namespace moat::content {

inline constexpr int kCalibrationFolds = 5;

struct TrainedClassifier {
    LogisticWeights logistic;
    Calibration calibration;
    std::optional<CharScorer> chars;  // none when no example has a text
};

TrainedClassifier trainClassifier(const std::vector<Example>& examples,
                                  const BayesOptions& options = {});

// A classifier held in memory, as a retraining would leave the store: the
// Bayes counts of the examples training on errors keeps (tone_selection.h),
// the logistic weights and bias folded in beside them. For held-out scoring
// and tools (bench/classifier_lab); the gateway scores from its TokenTable.
struct InMemoryModel {
    std::unordered_map<TokenHash, TokenCounts> tokens;
    BayesTotals totals;  // its calibration: the default unless the caller sets one

    BayesResult classify(const std::vector<TokenHash>& hashes, const BayesOptions& options,
                         double chars = 0) const;
};

InMemoryModel inMemoryModel(const std::vector<const Example*>& examples,
                            const LogisticWeights& logistic, const BayesOptions& options = {});

// The character model of the examples' texts, compiled; nullopt when none has one.
std::optional<CharScorer> charModelOf(const std::vector<const Example*>& examples,
                                      const CharModelOptions& options = {});

// Every model's output for every example, each scored by models trained on
// the other folds (folds by digest); for calibration and for tools.
std::vector<HeldOut> heldOutOutputs(const std::vector<Example>& examples,
                                    const BayesOptions& options = {},
                                    int folds = kCalibrationFolds);

}  // namespace moat::content
