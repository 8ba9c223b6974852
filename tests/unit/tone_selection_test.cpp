// Training on errors for the Bayes counts (content/tone_selection.h): which
// examples are counted, independent of their order; near-copies count once
// or a few times; what Bayes gets wrong is always counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "content/tone_selection.h"

using namespace moat::content;

namespace {

Example example(TokenHash digest, bool spam, std::vector<TokenHash> features) {
    std::sort(features.begin(), features.end());
    return Example{digest, spam, std::move(features), {}};
}

std::vector<const Example*> pointers(const std::vector<Example>& examples) {
    std::vector<const Example*> out;
    for (const auto& e : examples) out.push_back(&e);
    return out;
}

// 30 copies of one spam and 30 of one ham (different digests), 10 mixed ones.
std::vector<Example> copies() {
    std::vector<Example> out;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 30; ++i) {
        out.push_back(example(rng(), true, {1, 2, 3, 4, 5}));
        out.push_back(example(rng(), false, {11, 12, 13, 14, 15}));
    }
    for (int i = 0; i < 10; ++i) out.push_back(example(rng(), i % 2 == 0, {1, 12, 20 + TokenHash(i)}));
    return out;
}

}  // namespace

TEST(ToneSelection, BandZeroCountsEveryExample) {
    auto examples = copies();
    BayesOptions options;
    options.tone_band = 0;
    auto counted = toneSelection(pointers(examples), options);
    EXPECT_EQ(std::count(counted.begin(), counted.end(), true), static_cast<long>(examples.size()));
}

TEST(ToneSelection, NearCopiesCountOnlyUntilBayesIsSure) {
    auto examples = copies();
    auto counted = toneSelection(pointers(examples), BayesOptions{});
    long spam_copies = 0, ham_copies = 0;
    for (std::size_t i = 0; i < 60; ++i)
        if (counted[i]) ++(examples[i].spam ? spam_copies : ham_copies);
    EXPECT_GE(spam_copies, 1);
    EXPECT_GE(ham_copies, 1);
    EXPECT_LT(spam_copies, 10);
    EXPECT_LT(ham_copies, 10);
}

TEST(ToneSelection, DoesNotDependOnTheOrderExamplesCameIn) {
    auto examples = copies();
    auto a = toneSelection(pointers(examples), BayesOptions{});
    auto shuffled = pointers(examples);
    std::mt19937 rng(3);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    auto b = toneSelection(shuffled, BayesOptions{});
    for (std::size_t i = 0; i < shuffled.size(); ++i) {
        auto at = static_cast<std::size_t>(shuffled[i] - examples.data());
        EXPECT_EQ(b[i], a[at]) << "example " << at;
    }
}

TEST(ToneSelection, WhatBayesGetsWrongIsCounted) {
    std::vector<Example> examples;
    std::mt19937_64 rng(11);
    for (int i = 0; i < 20; ++i) {
        examples.push_back(example(rng(), true, {1, 2, 3}));
        examples.push_back(example(rng(), false, {11, 12, 13}));
    }
    // A ham of spam's words: Bayes, over the others, says spam.
    examples.push_back(example(rng(), false, {1, 2, 3, 99}));
    auto counted = toneSelection(pointers(examples), BayesOptions{});
    EXPECT_TRUE(counted.back());
}

TEST(ToneSelection, EmptyAndOneClass) {
    EXPECT_TRUE(toneSelection({}, BayesOptions{}).empty());
    std::vector<Example> spam_only = {example(1, true, {1}), example(2, true, {1})};
    // Bayes does not speak before both classes are known: all counted.
    auto counted = toneSelection(pointers(spam_only), BayesOptions{});
    EXPECT_TRUE(counted[0] && counted[1]);
}
