// The Bayes part of the content score, round((p - 0.5) * 20, 2): -10
// (certain ham) .. 0 (no opinion) .. +10 (certain spam), and the three
// outcomes of a total: reject from reject_at, tag from tag_at, else accept.
// The defaults here are those of content.tag_score / content.reject_score;
// the whole score is content/message_score.h. GTUBE scores kGtubeScore.
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
