#include "content/content_score.h"

#include <algorithm>
#include <cmath>

namespace moat::content {

double bayesScore(double probability) {
    double p = std::isnan(probability) ? 0.5 : std::clamp(probability, 0.0, 1.0);
    return std::round((p - 0.5) * 20.0 * 100.0) / 100.0;
}

ContentVerdict contentVerdict(double score, double tag_at, double reject_at) {
    if (score >= reject_at) return ContentVerdict::reject;
    if (score >= tag_at) return ContentVerdict::tag;
    return ContentVerdict::accept;
}

std::string_view verdictName(ContentVerdict verdict) {
    switch (verdict) {
        case ContentVerdict::accept:
            return "accept";
        case ContentVerdict::tag:
            return "tag";
        case ContentVerdict::reject:
            return "reject";
    }
    return "accept";
}

}  // namespace moat::content
