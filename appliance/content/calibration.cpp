#include "content/calibration.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "content/logistic_model.h"

namespace moat::content {
namespace {

// Logistic regression of the spam flag on up to two inputs and a constant,
// by Newton's method with step halving so the likelihood never gets worse
// (Lin, Lin & Weng's formulation of Platt's fit). Returns the coefficients
// (inputs..., constant), or nothing usable (non-finite) when it diverges.
template <std::size_t K>
std::array<double, K + 1> fitPlatt(const std::vector<std::array<double, K>>& inputs,
                                   const std::vector<bool>& spam, std::array<double, K + 1> start) {
    constexpr std::size_t N = K + 1;
    double positives = 0, negatives = 0;
    for (bool s : spam) (s ? positives : negatives) += 1;
    const double hi = (positives + 1) / (positives + 2), lo = 1 / (negatives + 2);
    auto margin = [&](const std::array<double, N>& w, std::size_t i) {
        double f = w[K];
        for (std::size_t k = 0; k < K; ++k) f += w[k] * inputs[i][k];
        return f;
    };
    auto loss = [&](const std::array<double, N>& w) {
        double sum = 0;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            double t = spam[i] ? hi : lo, f = margin(w, i);
            // log(1 + e^-|f|) form: no overflow for any f.
            sum += std::log1p(std::exp(-std::fabs(f))) + std::max(f, 0.0) - t * f;
        }
        return sum;
    };
    auto w = start;
    double current = loss(w);
    for (int iteration = 0; iteration < 100; ++iteration) {
        std::array<double, N> g{};
        std::array<std::array<double, N>, N> h{};
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            double t = spam[i] ? hi : lo, p = sigmoid(margin(w, i)), d = p - t, v = p * (1 - p);
            std::array<double, N> x{};
            for (std::size_t k = 0; k < K; ++k) x[k] = inputs[i][k];
            x[K] = 1;
            for (std::size_t a = 0; a < N; ++a) {
                g[a] += d * x[a];
                for (std::size_t b = 0; b < N; ++b) h[a][b] += v * x[a] * x[b];
            }
        }
        double norm = 0;
        for (double ga : g) norm = std::max(norm, std::fabs(ga));
        if (norm < 1e-9) break;
        // Solve h * step = -g by Gaussian elimination with partial pivoting.
        for (std::size_t a = 0; a < N; ++a) h[a][a] += 1e-12;
        std::array<double, N> step{};
        for (std::size_t a = 0; a < N; ++a) step[a] = -g[a];
        bool singular = false;
        for (std::size_t col = 0; col < N && !singular; ++col) {
            std::size_t pivot = col;
            for (std::size_t r = col + 1; r < N; ++r)
                if (std::fabs(h[r][col]) > std::fabs(h[pivot][col])) pivot = r;
            if (std::fabs(h[pivot][col]) < 1e-15) singular = true;
            std::swap(h[col], h[pivot]);
            std::swap(step[col], step[pivot]);
            for (std::size_t r = col + 1; r < N && !singular; ++r) {
                double factor = h[r][col] / h[col][col];
                for (std::size_t c = col; c < N; ++c) h[r][c] -= factor * h[col][c];
                step[r] -= factor * step[col];
            }
        }
        if (singular) break;
        for (std::size_t col = N; col-- > 0;) {
            for (std::size_t c = col + 1; c < N; ++c) step[col] -= h[col][c] * step[c];
            step[col] /= h[col][col];
        }
        double slope = 0;
        for (std::size_t a = 0; a < N; ++a) slope += g[a] * step[a];
        double size = 1;
        while (size > 1e-8) {
            auto next = w;
            for (std::size_t a = 0; a < N; ++a) next[a] += size * step[a];
            double value = loss(next);
            if (value < current + 1e-4 * size * slope) {
                w = next;
                current = value;
                break;
            }
            size /= 2;
        }
        if (size <= 1e-8) break;
    }
    return w;
}

bool bothClasses(const std::vector<HeldOut>& heldout) {
    bool spam = false, ham = false;
    for (const auto& h : heldout) (h.spam ? spam : ham) = true;
    return spam && ham;
}

}  // namespace

double bayesLogit(double bayes_probability) {
    double p = std::clamp(bayes_probability, 1e-6, 1 - 1e-6);
    return std::log(p / (1 - p));
}

double Calibration::evidence(double logistic_logit, double bayes_probability, double chars) const {
    return logistic_logit + bayes_weight * bayesLogit(bayes_probability) + char_weight * chars;
}

double Calibration::probability(double evidence) const {
    return sigmoid(logit(evidence));
}

Calibration fitCalibration(const std::vector<HeldOut>& heldout, double bayes_weight) {
    Calibration identity;
    identity.bayes_weight = bayes_weight;
    if (!bothClasses(heldout)) return identity;
    std::vector<std::array<double, 1>> inputs;
    std::vector<bool> spam;
    for (const auto& h : heldout) {
        inputs.push_back({h.logistic + bayes_weight * h.bayes_logit});
        spam.push_back(h.spam);
    }
    auto w = fitPlatt<1>(inputs, spam, {1, 0});
    if (!std::isfinite(w[0]) || !std::isfinite(w[1]) || w[0] <= 0) return identity;
    return {w[0], w[1], bayes_weight};
}

Calibration fitStackedCalibration(const std::vector<HeldOut>& heldout, double fallback_weight) {
    if (!bothClasses(heldout)) return fitCalibration(heldout, fallback_weight);
    if (std::any_of(heldout.begin(), heldout.end(), [](const HeldOut& h) { return h.chars != 0; })) {
        std::vector<std::array<double, 3>> inputs;
        std::vector<bool> spam;
        for (const auto& h : heldout) {
            inputs.push_back({h.logistic, h.bayes_logit, h.chars});
            spam.push_back(h.spam);
        }
        auto w = fitPlatt<3>(inputs, spam, {1, fallback_weight, 0, 0});
        bool finite = std::all_of(w.begin(), w.end(), [](double v) { return std::isfinite(v); });
        if (finite && w[0] > 0 && w[1] >= 0 && w[2] >= 0) return {w[0], w[3], w[1] / w[0], w[2] / w[0]};
        if (finite && w[0] > 0 && w[1] < 0 && w[2] > 0) {
            // Beside the character model Bayes would count against spam: it
            // gets no say, the other two theirs.
            std::vector<std::array<double, 2>> two;
            for (const auto& h : heldout) two.push_back({h.logistic, h.chars});
            auto v = fitPlatt<2>(two, spam, {1, 0, 0});
            bool ok = std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
            if (ok && v[0] > 0 && v[1] >= 0) return {v[0], v[2], 0, v[1] / v[0]};
        }
    }
    std::vector<std::array<double, 2>> inputs;
    std::vector<bool> spam;
    for (const auto& h : heldout) {
        inputs.push_back({h.logistic, h.bayes_logit});
        spam.push_back(h.spam);
    }
    auto w = fitPlatt<2>(inputs, spam, {1, fallback_weight, 0});
    // Both models must count for spam (a negative say would be overfitting
    // the held-out sample); otherwise the fixed weight.
    bool finite = std::isfinite(w[0]) && std::isfinite(w[1]) && std::isfinite(w[2]);
    if (!finite || w[0] <= 0 || w[1] < 0) return fitCalibration(heldout, fallback_weight);
    return {w[0], w[2], w[1] / w[0]};
}

}  // namespace moat::content
