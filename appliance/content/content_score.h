// The content score and its three outcomes. Score = the Bayes part for now:
// round((p - 0.5) * 20, 2), so -10 (certain ham) .. 0 (no opinion) .. +10
// (certain spam); heuristic points will be added to it later; GTUBE scores
// kGtubeScore. Verdict against
// thresholds: reject at or above 10, tag ([SPAM?]) at or above 5, else accept.
// The thresholds are constants here until they move to the policy settings.
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
