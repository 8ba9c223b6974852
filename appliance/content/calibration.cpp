#include "content/calibration.h"

#include <cmath>

#include "content/logistic_model.h"

namespace moat::content {

double Calibration::probability(double evidence) const {
    return sigmoid(logit(evidence));
}

Calibration fitCalibration(const std::vector<std::pair<double, bool>>& heldout) {
    double positives = 0, negatives = 0;
    for (const auto& [z, spam] : heldout) (spam ? positives : negatives) += 1;
    if (positives == 0 || negatives == 0) return {};
    const double hi = (positives + 1) / (positives + 2), lo = 1 / (negatives + 2);
    // Newton's method on the two parameters (Lin, Lin & Weng's formulation),
    // with step halving so the likelihood never gets worse.
    auto loss = [&](double a, double b) {
        double sum = 0;
        for (const auto& [z, spam] : heldout) {
            double t = spam ? hi : lo, f = a * z + b;
            // log(1 + e^-|f|) form: no overflow for any f.
            double log1pexp = std::log1p(std::exp(-std::fabs(f))) + std::max(f, 0.0);
            sum += log1pexp - t * f;
        }
        return sum;
    };
    double a = 1, b = 0, current = loss(a, b);
    for (int iteration = 0; iteration < 100; ++iteration) {
        double gaa = 1e-12, gbb = 1e-12, gab = 0, ga = 0, gb = 0;
        for (const auto& [z, spam] : heldout) {
            double t = spam ? hi : lo, p = sigmoid(a * z + b), d = p - t, w = p * (1 - p);
            ga += d * z;
            gb += d;
            gaa += w * z * z;
            gbb += w;
            gab += w * z;
        }
        if (std::fabs(ga) < 1e-9 && std::fabs(gb) < 1e-9) break;
        double det = gaa * gbb - gab * gab;
        if (det <= 0) break;
        double da = -(gbb * ga - gab * gb) / det, db = -(-gab * ga + gaa * gb) / det;
        double step = 1;
        while (step > 1e-8) {
            double next = loss(a + step * da, b + step * db);
            if (next < current + 1e-4 * step * (ga * da + gb * db)) {
                a += step * da;
                b += step * db;
                current = next;
                break;
            }
            step /= 2;
        }
        if (step <= 1e-8) break;
    }
    if (!std::isfinite(a) || !std::isfinite(b) || a <= 0) return {};
    return {a, b};
}

}  // namespace moat::content
