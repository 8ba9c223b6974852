// Platt scaling, stacked: turns the classifier's two models' outputs into a
// probability that is honest on messages it did not learn from —
// evidence = logistic logit + bayes_weight * Bayes logit, P(spam) =
// sigmoid(scale * evidence + shift). All three are fitted by maximum
// likelihood on held-out outputs (each message scored by models trained
// without it) with Platt's smoothed targets (1/(N+2) and (N+1)/(N+2)), so a
// handful of examples cannot make it certain, and so how much Bayes counts
// beside the logistic model is learnt from the mail at hand rather than fixed
// (stacking, Wolpert 1992).
#pragma once

#include <vector>

namespace moat::content {

// One model's output of a held-out message.
struct HeldOut {
    double logistic = 0;     // the logistic model's logit
    double bayes_logit = 0;  // logit of Bayes' chi-square probability (bayesLogit)
    bool spam = false;
    double chars = 0;  // the character model's score (char_model.h); 0 when none
};

// Bayes' probability as a logit, clamped to ±13.8 (10^-6) so certainty is finite.
double bayesLogit(double bayes_probability);

struct Calibration {
    double scale = 1.0;
    double shift = 0.0;
    double bayes_weight = 0.5;  // of the Bayes logit in the evidence
    double char_weight = 0;     // of the character model's score in the evidence

    double evidence(double logistic_logit, double bayes_probability, double chars = 0) const;
    double probability(double evidence) const;
    double logit(double evidence) const { return scale * evidence + shift; }
};

// Fits scale and shift with the Bayes weight fixed; the identity (scale 1,
// shift 0) when either class is missing.
Calibration fitCalibration(const std::vector<HeldOut>& heldout, double bayes_weight);

// Fits the Bayes weight too — and the character model's, when the held-out
// outputs carry its scores. A model whose fitted say is negative gets none:
// Bayes beside the other two (its weight 0), else the character model
// (the two-input fit), else Bayes (fitCalibration(heldout, fallback_weight)).
Calibration fitStackedCalibration(const std::vector<HeldOut>& heldout, double fallback_weight);

}  // namespace moat::content
