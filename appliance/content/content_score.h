// The classifier's part of the content score, from its calibrated
// probability p, continuous and strictly increasing (no rounding, so no
// ties): 0 at p = 0.5; kTagScore at kClassifierTagProbability and
// kRejectScore only at kClassifierRejectProbability, linear in logit(p)
// above 0.5; towards -kTagScore, never below, for ham (it cannot cancel
// unlimited other evidence). And the three outcomes of a total: reject from
// reject_at, tag from tag_at, else accept. The defaults are those of
// content.tag_score / content.reject_score, chosen with the probabilities
// on training data (docs/content-scoring.md); the whole score is
// content/message_score.h. GTUBE scores kGtubeScore.
#pragma once

#include <string_view>

namespace moat::content {

inline constexpr double kTagScore = 5.0;
inline constexpr double kRejectScore = 10.0;
// GTUBE in a message: certain spam whatever else it says (as in SpamAssassin).
inline constexpr double kGtubeScore = 1000.0;

enum class ContentVerdict { accept, tag, reject };

// The classifier alone tags from here (the unsure band starts) ...
inline constexpr double kClassifierTagProbability = 0.9;
// ... and refuses only from here: near-certain.
inline constexpr double kClassifierRejectProbability = 0.9999;
// The scale of the ham side (p < 0.5): -kTagScore * (1 - e^(logit p /
// logit this)), about -3.2 points at p = 0.01. Kept apart from the tag
// anchor so that moving the tag anchor changes neither how far wanted mail
// is pulled down nor content.autolearn_ham's meaning.
inline constexpr double kClassifierHamScaleProbability = 0.99;

double classifierScore(double probability);

ContentVerdict contentVerdict(double score, double tag_at = kTagScore,
                              double reject_at = kRejectScore);

std::string_view verdictName(ContentVerdict verdict);

}  // namespace moat::content
