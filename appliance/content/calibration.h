// Platt scaling: turns the classifier's evidence (a logit) into a
// probability that is honest on messages it did not learn from —
// P(spam) = sigmoid(scale * evidence + shift), fitted by maximum likelihood
// on held-out evidence with Platt's smoothed targets (1/(N+2) and
// (N+1)/(N+2)), so a handful of examples cannot make it certain.
#pragma once

#include <utility>
#include <vector>

namespace moat::content {

struct Calibration {
    double scale = 1.0;
    double shift = 0.0;

    double probability(double evidence) const;
    double logit(double evidence) const { return scale * evidence + shift; }
};

// (evidence, is spam) of held-out messages; the identity when either class
// is missing.
Calibration fitCalibration(const std::vector<std::pair<double, bool>>& heldout);

}  // namespace moat::content
