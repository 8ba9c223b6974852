// Training on errors (TONE, "train only on near errors"; Yerazunis, Siefkes
// et al.) for the Bayes counts: which learnt examples Bayes counts. Taken in
// digest order, an example is counted only when Bayes, over the examples
// counted so far, leaves it more than `band` away from its class (err =
// 1 - B for spam, B for ham); passes repeat until one adds none (at most
// kTonePasses). Near-copies of a newsletter or of one spam run then count
// once or a few times instead of dozens, so a few senders' words do not
// outweigh everyone else's: measured on the benchmark's training half
// folded by sender, and on its later half (docs/content-analysis.md).
// Pure: the same examples give the same selection whatever their order
// (the digest order is what makes it so), which is why it is applied at
// retraining (content/bayes_classifier.h) and not as messages are learnt:
// learnt one at a time, ham before spam, it would count all the ham.
#pragma once

#include <vector>

#include "content/bayes_classifier.h"

namespace moat::content {

inline constexpr int kTonePasses = 5;

// selection[i]: whether examples[i] is counted. band <= 0 counts every one.
std::vector<bool> toneSelection(const std::vector<const Example*>& examples, const BayesOptions& options);

}  // namespace moat::content
