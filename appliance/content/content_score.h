// The content score and its three outcomes. For now the Bayes part only:
// round((p - 0.5) * 20, 2), -10 (certain ham) .. 0 (no opinion) .. +10
// (certain spam); heuristic points come later, GTUBE scores kGtubeScore.
// Reject at 10 or more, tag ([SPAM?]) at 5 or more, else accept; constants
// here until the thresholds move to the policy settings.
#pragma once

#include <string_view>

namespace moat::content {

inline constexpr double kTagScore = 5.0;
inline constexpr double kRejectScore = 10.0;
// GTUBE in a message: certain spam whatever else it says (as in SpamAssassin).
inline constexpr double kGtubeScore = 1000.0;

enum class ContentVerdict { accept, tag, reject };

double bayesScore(double probability);

ContentVerdict contentVerdict(double score, double tag_at = kTagScore,
                              double reject_at = kRejectScore);

std::string_view verdictName(ContentVerdict verdict);

}  // namespace moat::content
