#include "content/content_score.h"

#include <algorithm>
#include <cmath>

namespace moat::content {

namespace {

double logit(double p) {
    return std::log(p / (1 - p));
}

}  // namespace

double classifierScore(double probability) {
    double p = std::isnan(probability) ? 0.5 : std::clamp(probability, 1e-15, 1 - 1e-15);
    double l = logit(p), tag = logit(kClassifierTagProbability);
    if (l < 0) return -kTagScore * -std::expm1(l / logit(kClassifierHamScaleProbability));
    double reject = logit(kClassifierRejectProbability);
    if (l <= tag) return kTagScore * l / tag;
    return kTagScore + (kRejectScore - kTagScore) * (l - tag) / (reject - tag);
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
