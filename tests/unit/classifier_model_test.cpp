// The classifier's pure parts: the stored feature format (round trip and
// refusal of malformed blobs), the logistic step and batch training (only a
// message's own features move; the order examples come in does not change
// the model), Platt calibration, and the date a stored message arrived.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "content/calibration.h"
#include "content/classifier_training.h"
#include "content/feature_blob.h"
#include "content/heuristics.h"
#include "content/logistic_model.h"
#include "content/mime_decoder.h"

using namespace moat::content;

namespace {

TEST(FeatureBlob, RoundTrip) {
    for (const std::vector<TokenHash>& hashes :
         std::vector<std::vector<TokenHash>>{{},
                                             {0},
                                             {1, 2, 3},
                                             {5, 300, 70000, ~0ull},
                                             {0x8000000000000000ull, 0xffffffffffffff00ull}}) {
        auto decoded = decodeFeatures(encodeFeatures(hashes));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, hashes);
    }
    std::mt19937_64 rng(7);
    std::vector<TokenHash> many(2000);
    for (auto& h : many) h = rng();
    std::sort(many.begin(), many.end());
    many.erase(std::unique(many.begin(), many.end()), many.end());
    auto blob = encodeFeatures(many);
    EXPECT_LT(blob.size(), many.size() * 9);
    EXPECT_EQ(*decodeFeatures(blob), many);
}

TEST(FeatureBlob, RefusesMalformed) {
    EXPECT_FALSE(decodeFeatures(std::string("\x80", 1)));            // truncated varint
    EXPECT_FALSE(decodeFeatures(std::string(11, '\xff') + "\x01"));  // longer than 64 bits
    EXPECT_FALSE(decodeFeatures(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10)));
    EXPECT_FALSE(decodeFeatures(std::string("\x05\x00", 2)));  // a repeated hash
    // A difference that wraps past 2^64.
    std::string wrap = encodeFeatures({~0ull - 1});
    wrap += encodeFeatures({5});
    EXPECT_FALSE(decodeFeatures(wrap));
}

TEST(Logistic, StepMovesOnlyItsFeaturesTowardsTheLabel) {
    std::unordered_map<TokenHash, double> weights = {{1, 0.5}, {2, -0.25}, {99, 3.0}};
    double bias = 0;
    auto lookup = [&](TokenHash h) { return weights.count(h) ? weights[h] : 0.0; };
    auto after = logisticStep({1, 2, 3}, true, lookup, bias);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_GT(after[0], 0.5);
    EXPECT_GT(after[1], -0.25);
    EXPECT_GT(after[2], 0);
    EXPECT_GT(bias, 0);
    // All moved by the same amount (each feature has the same value); token 99 is not touched.
    EXPECT_NEAR(after[0] - 0.5, after[2], 1e-6);
    EXPECT_EQ(lookup(99), 3.0);
    double b2 = 0;
    auto towards_ham = logisticStep({1}, false, lookup, b2);
    EXPECT_LT(towards_ham[0], 0.5);
    EXPECT_LT(b2, 0);
}

TEST(Logistic, EachFeatureWeighsNToTheMinusOneThird) {
    EXPECT_EQ(featureValue(0, 1.0 / 3), 0.0);
    EXPECT_NEAR(featureValue(8, 1.0 / 3), 0.5, 1e-12);
    EXPECT_NEAR(featureValue(1000, 1.0 / 3), 0.1, 1e-12);
    EXPECT_EQ(featureValue(1000, 0), 1.0);  // binary features
    LogisticWeights model;
    model.bias = -1;
    for (TokenHash h = 1; h <= 8; ++h) model.weights[h] = 1.0f;
    std::vector<TokenHash> eight = {1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_NEAR(model.logit(eight), -1 + 8 * 0.5, 1e-9);
    // The same words in a message of 64 tokens (56 never learnt) count for half as much.
    std::vector<TokenHash> longer = eight;
    for (TokenHash h = 100; h < 156; ++h) longer.push_back(h);
    EXPECT_NEAR(model.logit(longer), -1 + 8 * 0.25, 1e-9);
    LogisticOptions binary;
    binary.feature_power = 0;
    EXPECT_NEAR(model.logit(longer, binary), -1 + 8, 1e-9);
}

TEST(Logistic, StepScalesWithTheFeatureValue) {
    // 8 unknown features: value 1/2, gradient 1/2 at logit 0; each weight
    // moves by rate * gradient * value, and so does the bias (a feature every
    // message has: a step on one short message cannot swing it far).
    LogisticOptions options;
    options.rate = 2;
    double bias = 0;
    auto after = logisticStep({1, 2, 3, 4, 5, 6, 7, 8}, true, [](TokenHash) { return 0.0; }, bias, options);
    for (float w : after) EXPECT_NEAR(w, 2 * 0.5 * 0.5, 1e-6);
    EXPECT_NEAR(bias, 2 * 0.5 * 0.5, 1e-9);
}

std::vector<Example> syntheticExamples(int n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::vector<Example> out;
    for (int i = 0; i < n; ++i) {
        Example e;
        e.digest = rng();
        e.spam = i % 3 == 0;
        for (int k = 0; k < 30; ++k) {
            // Tokens 0..99 lean spam, 100..199 lean ham, 200..299 are shared.
            TokenHash base = (rng() % 4 == 0) ? 200 : (e.spam ? 0 : 100);
            e.features.push_back(base + rng() % 100);
        }
        std::sort(e.features.begin(), e.features.end());
        e.features.erase(std::unique(e.features.begin(), e.features.end()), e.features.end());
        out.push_back(std::move(e));
    }
    return out;
}

TEST(Logistic, TrainingIgnoresTheOrderExamplesCameIn) {
    auto examples = syntheticExamples(300, 1);
    std::vector<const Example*> forward, hams_first;
    for (const auto& e : examples) forward.push_back(&e);
    hams_first = forward;
    std::stable_sort(hams_first.begin(), hams_first.end(),
                     [](const Example* a, const Example* b) { return a->spam < b->spam; });
    auto a = trainLogistic(forward), b = trainLogistic(hams_first);
    EXPECT_EQ(a.bias, b.bias);
    EXPECT_EQ(a.weights, b.weights);
    // And it separates the classes.
    for (const auto& e : syntheticExamples(50, 2)) EXPECT_EQ(a.logit(e.features) > 0, e.spam);
}

TEST(Calibration, FitsHeldOutEvidence) {
    // Evidence whose true P(spam) is sigmoid(0.5 z - 1).
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> uniform(0, 1), zs(-12, 12);
    std::vector<HeldOut> data;
    for (int i = 0; i < 20000; ++i) {
        double z = zs(rng);
        data.push_back({z, 0, uniform(rng) < sigmoid(0.5 * z - 1)});
    }
    auto c = fitCalibration(data, 0.5);
    EXPECT_NEAR(c.scale, 0.5, 0.05);
    EXPECT_NEAR(c.shift, -1, 0.1);
    EXPECT_EQ(c.bayes_weight, 0.5);
    EXPECT_LT(c.probability(-3), c.probability(3));
    // One class only: nothing to fit.
    std::vector<HeldOut> spam_only = {{1, 0, true}, {2, 0, true}};
    auto identity = fitCalibration(spam_only, 0.5);
    EXPECT_EQ(identity.scale, 1);
    EXPECT_EQ(identity.shift, 0);
    auto stacked_identity = fitStackedCalibration(spam_only, 0.25);
    EXPECT_EQ(stacked_identity.scale, 1);
    EXPECT_EQ(stacked_identity.bayes_weight, 0.25);
    // Perfectly separated evidence stays finite (Platt's smoothed targets).
    std::vector<HeldOut> separated = {{-5, 0, false}, {-4, 0, false}, {4, 0, true}, {5, 0, true}};
    auto s = fitCalibration(separated, 0.5);
    EXPECT_TRUE(std::isfinite(s.scale) && std::isfinite(s.shift));
    EXPECT_LT(s.probability(5), 1.0);
}

TEST(Calibration, StackingLearnsEachModelsWeight) {
    // True P(spam) = sigmoid(0.8 logistic + 0.2 bayes - 0.5): the Bayes
    // weight beside the logistic model's is 0.25, the scale 0.8.
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> uniform(0, 1), zs(-8, 8), bs(-13, 13);
    std::vector<HeldOut> data;
    for (int i = 0; i < 40000; ++i) {
        double z = zs(rng), b = bs(rng);
        data.push_back({z, b, uniform(rng) < sigmoid(0.8 * z + 0.2 * b - 0.5)});
    }
    auto c = fitStackedCalibration(data, 0.5);
    EXPECT_NEAR(c.scale, 0.8, 0.05);
    EXPECT_NEAR(c.bayes_weight, 0.25, 0.03);
    EXPECT_NEAR(c.shift, -0.5, 0.1);
    EXPECT_NEAR(c.probability(c.evidence(1, sigmoid(2))),
                sigmoid(c.scale * (1 + c.bayes_weight * 2) + c.shift), 1e-9);
    // A Bayes model that points the wrong way gets no negative say: the
    // fixed weight instead.
    for (auto& h : data) h.bayes_logit = -h.bayes_logit;
    auto fallback = fitStackedCalibration(data, 0.5);
    EXPECT_EQ(fallback.bayes_weight, 0.5);
    EXPECT_GT(fallback.scale, 0);
}

TEST(ClassifierTraining, HeldOutOutputsCoverEveryExampleOnce) {
    auto examples = syntheticExamples(200, 4);
    auto held = heldOutOutputs(examples);
    EXPECT_EQ(held.size(), examples.size());
    std::size_t right = 0;
    for (const auto& h : held) right += (h.logistic > 0) == h.spam;
    EXPECT_GT(right, examples.size() * 9 / 10);
    auto trained = trainClassifier(examples);
    EXPECT_GT(trained.calibration.scale, 0);
    EXPECT_GE(trained.calibration.bayes_weight, 0);
}

TEST(Heuristics, ReceivedTime) {
    auto m = decodeMessage(
        "Received: from a by b; Wed, 3 Jul 2002 12:04:50 +0100 (IST)\n"
        "Received: from c by a; Tue, 2 Jul 2002 10:00:00 +0000\n"
        "Date: Tue, 2 Jul 2002 09:59:00 +0000\n\nbody\n");
    auto t = receivedTime(m);
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, 1025694290);  // 2002-07-03 11:04:50 UTC: the topmost field
    EXPECT_FALSE(receivedTime(decodeMessage("Received: from a by b\n\nbody\n")));
    EXPECT_FALSE(receivedTime(decodeMessage("Subject: x\n\nbody\n")));
}

}  // namespace
