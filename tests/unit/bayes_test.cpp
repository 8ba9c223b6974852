// The Bayesian classifier: tokenizer and OSB features, Robinson's f(w) and
// Fisher combining against hand-computed values, the token store's round
// trip, relearning and expiry, and training on small synthetic corpora.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <random>
#include <string>
#include <vector>

#include "content/bayes_classifier.h"
#include "content/bayes_store.h"
#include "content/bayes_tokenizer.h"
#include "content/content_score.h"
#include "content/mime_decoder.h"
#include "content/token_table.h"
#include "store/migrations.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace moat::content;
using namespace Poco::Data::Keywords;

namespace {

bool has(const std::vector<std::string>& tokens, const std::string& t) {
    return std::binary_search(tokens.begin(), tokens.end(), t);
}

TEST(BayesTokenizer, WordsAndOsb) {
    auto t = textTokens("The quick, brown FOX jumps!");
    // Unigrams: lower case, punctuation stripped, words under 3 bytes dropped.
    for (const char* w : {"the", "quick", "brown", "fox", "jumps"}) EXPECT_TRUE(has(t, w)) << w;
    // OSB, window 5: each word with each of the four before it, gaps marked.
    EXPECT_TRUE(has(t, "the quick"));
    EXPECT_TRUE(has(t, "the _ brown"));
    EXPECT_TRUE(has(t, "the _ _ fox"));
    EXPECT_TRUE(has(t, "the _ _ _ jumps"));
    EXPECT_TRUE(has(t, "quick _ _ jumps"));
    EXPECT_FALSE(has(t, "the _ _ _ _ jumps"));
    EXPECT_EQ(t.size(), 5u + 4 + 3 + 2 + 1);
}

TEST(BayesTokenizer, Cases) {
    struct {
        const char* text;
        std::vector<std::string> present, absent;
    } cases[] = {
        {"a an ox cat", {"cat"}, {"a", "an", "ox"}},
        {"Größe GRÖSSE", {"größe", "grösse"}, {}},
        {"V\u200bi\u200ba\u200bgra", {"viagra"}, {}},
        {"(free!!!) \"money\"...", {"free", "money", "free money"}, {"(free!!!)"}},
        {"visit http://Spam.Example.COM/path?q=1 now",
         {"url:spam.example.com", "url:domain:example.com", "proto:http", "visit now"},
         {"visit _ now"}},
        {"www.shop.example.net", {"url:www.shop.example.net", "url:domain:example.net"}, {}},
        {"supercalifragilisticexpialidociousandevenlongerwords", {"skip:s 50"}, {}},
        {"price $99.95 now", {"$99.95"}, {}},
        // HTML written into plain text: the tags are not words, a link's target is a link.
        {"Want a <FONT size=+1><B>BIG</FONT></B> <B>Penis</B>? <A HREF=www.adult.example/e>Click</A>",
         {"big", "penis", "big penis", "url:www.adult.example", "penis click"},
         {"b>penis</b", "font", "href=www.adult.example/e>click"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto t = textTokens(c.text);
        for (const auto& p : c.present) EXPECT_TRUE(has(t, p)) << p;
        for (const auto& a : c.absent) EXPECT_FALSE(has(t, a)) << a;
    }
}

TEST(BayesTokenizer, HeadersAttachmentsAnomalies) {
    auto m = decodeMessage(
        "From: \"Best Deals\" <promo@deals.example>\nTo: bob@corp.example\nSubject: Cheap Watches\n"
        "X-Mailer: MassMailer 3.1\nReceived: from mx.deals.example (mx.deals.example [192.0.2.7]) "
        "by gw\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n--m\nContent-Type: "
        "text/html; charset=utf-8\n\n"
        "<p>Buy <a href=\"https://click.deals.example/r\">now</a></p>\n--m\nContent-Type: "
        "application/octet-stream\n"
        "Content-Disposition: attachment; filename=\"invoice.EXE\"\n\nMZ\n--m--\n");
    auto t = tokenize(m);
    for (const char* expected :
         {"subject:cheap", "subject:watches", "from:addr:promo@deals.example",
          "from:domain:deals.example", "from:best", "to:addr:bob@corp.example",
          "x-mailer:massmailer 3.1", "x-mailer:massmailer", "content-type:multipart/mixed",
          "part:text/html",
          "url:click.deals.example", "attach:ext:exe", "attach:type:application/octet-stream",
          "buy now"})
        EXPECT_TRUE(has(t, expected)) << expected;
    // Relay hosts describe one path at one time: not features (they made
    // the classifier worse on later mail).
    for (const auto& token : t) EXPECT_NE(token.rfind("received:", 0), 0u) << token;
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
    EXPECT_EQ(std::adjacent_find(t.begin(), t.end()), t.end());

    // Which fields the sender's software wrote is its fingerprint; fields
    // added on the way to a mailbox are not (a learnt copy has them, the
    // same message at SMTP time does not).
    for (const char* expected : {"hdr:x-mailer", "hdr:mime-version", "hdr:subject"})
        EXPECT_TRUE(has(t, expected)) << expected;
    auto stored = tokenize(decodeMessage(
        "Return-Path: <a@b.example>\nDelivered-To: bob@corp.example\nX-Spam-Status: No\n"
        "X-Moat-Score: 1.0\nX-Original-To: bob\nX-Custom-Tool: 1\nSubject: s\n\nbody\n"));
    for (const char* absent : {"hdr:return-path", "hdr:delivered-to", "hdr:x-spam-status",
                               "hdr:x-moat-score", "hdr:x-original-to", "hdr:received"})
        EXPECT_FALSE(has(stored, absent)) << absent;
    EXPECT_TRUE(has(stored, "hdr:x-custom-tool"));

    auto odd = tokenize(decodeMessage("Content-Type: multipart/mixed\n\nx\n"));
    EXPECT_TRUE(has(odd, "anomaly:multipart-without-boundary"));
}

TEST(BayesTokenizer, HashesWithoutTextsAreTheTextsHashes) {
    for (const char* raw :
         {"Subject: Cheap Watches\nFrom: a@b.example\n\nBuy cheap watches now, the best watches in town "
          "http://x.example/a www.y.example caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 done\n",
          "Content-Type: text/plain\n\none two three four five six seven eight nine ten eleven\n", "\n\n",
          "Subject: only a subject\n\n"}) {
        auto m = decodeMessage(raw);
        auto texts = tokenize(m);
        EXPECT_EQ(tokenHashes(m), hashTokens(texts)) << raw;
        std::unordered_set<TokenHash> wanted;
        for (const auto& t : texts) wanted.insert(hashToken(t));
        auto names = tokenNames(m, wanted);
        ASSERT_EQ(names.size(), texts.size()) << raw;
        for (const auto& t : texts) EXPECT_EQ(names[hashToken(t)], t);
    }
}

TEST(BayesTokenizer, SortUniqueHashesIsSortAndUnique) {
    std::mt19937_64 rng(7);
    for (std::size_t n : {0u, 1u, 2u, 63u, 64u, 65u, 1000u, 5000u, 70000u}) {
        std::vector<TokenHash> hashes;
        for (std::size_t i = 0; i < n; ++i) {
            // Repeats, neighbours and the extremes, as well as spread values.
            TokenHash h = i % 7 == 0 && i ? hashes[i / 2] : rng();
            if (i % 11 == 0) h = i % 2 ? ~TokenHash{0} : 0;
            hashes.push_back(h);
        }
        auto expected = hashes;
        std::sort(expected.begin(), expected.end());
        expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
        sortUniqueHashes(hashes);
        EXPECT_EQ(hashes, expected) << n;
    }
    // Skewed input (all in one bucket) is still sorted, only slower.
    std::vector<TokenHash> skewed;
    for (TokenHash i = 500; i > 0; --i) skewed.push_back(i);
    sortUniqueHashes(skewed);
    EXPECT_TRUE(std::is_sorted(skewed.begin(), skewed.end()));
    EXPECT_EQ(skewed.size(), 500u);
}

TEST(BayesTokenizer, AsciiAndUnicodeLowerCasingAgree) {
    // The ASCII fast path and glib's lower-casing give the same tokens.
    EXPECT_EQ(textTokens("FREE Money NOW"), textTokens("free money now"));
    auto mixed = textTokens("FREE Money ÉTÉ");
    EXPECT_NE(std::find(mixed.begin(), mixed.end(), "été"), mixed.end());
    EXPECT_NE(std::find(mixed.begin(), mixed.end(), "free"), mixed.end());
    // Text after a NUL byte is dropped on both paths, as glib's C string ends there.
    EXPECT_EQ(textTokens(std::string("alpha beta\0gamma", 16)), textTokens("alpha beta"));
    EXPECT_EQ(textTokens(std::string("alpha été\0gamma", 16)), textTokens("alpha été"));
}

TEST(BayesTokenizer, CjkRunsBecomePairsOfLetters) {
    // Chinese has no spaces between words: a run of letters becomes its
    // overlapping pairs, so its words are evidence rather than one long skip token.
    auto has = [](const std::vector<std::string>& t, const std::string& s) {
        return std::find(t.begin(), t.end(), s) != t.end();
    };
    auto chinese = textTokens("免费发票");  // four letters: three pairs
    EXPECT_TRUE(has(chinese, "免费"));
    EXPECT_TRUE(has(chinese, "费发"));
    EXPECT_TRUE(has(chinese, "发票"));
    EXPECT_FALSE(has(chinese, "免费发票"));
    EXPECT_TRUE(has(chinese, "免费 _ 发票"));  // pairs are words: OSB pairs them in turn
    // Latin letters, digits and punctuation end a run; a lone letter is itself.
    auto mixed = textTokens("buy送 now，发票!");
    EXPECT_TRUE(has(mixed, "buy"));
    EXPECT_TRUE(has(mixed, "送"));
    EXPECT_TRUE(has(mixed, "now"));
    EXPECT_TRUE(has(mixed, "发票"));
    // Japanese kana and Korean syllables are runs too; a zero-width space
    // inside a run does not split it.
    EXPECT_TRUE(has(textTokens("セール中"), "セー"));
    EXPECT_TRUE(has(textTokens("무료광고"), "무료"));
    EXPECT_TRUE(has(textTokens("免\u200B费"), "免费"));
    // The count of words stays bounded by the limit.
    std::string long_run;
    for (int i = 0; i < 20000; ++i) long_run += "费";
    TokenizerLimits limits;
    EXPECT_LE(textTokens(long_run, limits).size(), limits.max_words * kOsbWindow);
}

TEST(BayesTokenizer, LimitsBoundWork) {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += "word" + std::to_string(i) + " ";
    TokenizerLimits limits;
    auto t = textTokens(text, limits);
    EXPECT_LE(t.size(), limits.max_words * kOsbWindow);
}

TEST(BayesTokenizer, HashesAndDigest) {
    EXPECT_EQ(hashToken("viagra"), hashToken("viagra"));
    EXPECT_NE(hashToken("viagra"), hashToken("viagrb"));
    EXPECT_NE(hashToken(""), 0u);
    auto h = hashTokens({"b", "a", "b"});
    EXPECT_EQ(h.size(), 2u);
    EXPECT_TRUE(std::is_sorted(h.begin(), h.end()));
    // Transport headers do not change a message's identity; its text does.
    auto a = decodeMessage("Message-ID: <1@x>\nSubject: s\n\nbody\n");
    auto b = decodeMessage(
        "Received: from somewhere\nDelivered-To: u@x\nMessage-ID: <1@x>\nSubject: s\n\nbody\n");
    auto c = decodeMessage("Message-ID: <1@x>\nSubject: s\n\nother body\n");
    EXPECT_EQ(messageDigest(a), messageDigest(b));
    EXPECT_NE(messageDigest(a), messageDigest(c));
}

TEST(BayesMath, RobinsonTokenProbability) {
    BayesOptions o;
    BayesTotals totals;
    totals.spam_messages = 10;
    totals.ham_messages = 10;
    EXPECT_DOUBLE_EQ(tokenProbability({0, 0}, totals, o), 0.5);
    const double s = o.strength;
    // Seen once, in spam only: p = 1, f = (s * 0.5 + 1) / (s + 1).
    EXPECT_DOUBLE_EQ(tokenProbability({1, 0}, totals, o), (s * 0.5 + 1) / (s + 1));
    EXPECT_DOUBLE_EQ(tokenProbability({0, 1}, totals, o), (s * 0.5) / (s + 1));
    // Equal ratios: 0.5 whatever the counts.
    EXPECT_DOUBLE_EQ(tokenProbability({5, 5}, totals, o), 0.5);
    // Ratios, not raw counts: 2/10 spam vs 1/20 ham -> p = 0.8, n = 3.
    totals.ham_messages = 20;
    EXPECT_NEAR(tokenProbability({2, 1}, totals, o), (s * 0.5 + 3 * 0.8) / (s + 3), 1e-12);
}

TEST(BayesMath, FisherCombining) {
    EXPECT_DOUBLE_EQ(chiSquareCombine({}), 0.5);
    EXPECT_NEAR(chiSquareCombine({0.5, 0.5, 0.5}), 0.5, 1e-9);
    EXPECT_GT(chiSquareCombine({0.99, 0.99, 0.95}), 0.95);
    EXPECT_LT(chiSquareCombine({0.01, 0.02, 0.05}), 0.05);
    // Symmetric: mirrored evidence gives the mirrored result.
    EXPECT_NEAR(chiSquareCombine({0.9, 0.8, 0.3}), 1 - chiSquareCombine({0.1, 0.2, 0.7}), 1e-9);
    // Conflicting strong evidence: uncertain, near the middle.
    EXPECT_NEAR(chiSquareCombine({0.99, 0.01}), 0.5, 0.01);
    // Hand computed: one clue of 0.9: S = 1 - chi2Q(-2 ln 0.1, 2) = 0.9, H = 1 - 0.9... = 0.1.
    EXPECT_NEAR(chiSquareCombine({0.9}), (0.9 - 0.1 + 1) / 2, 1e-9);
    // Many extreme clues do not underflow to NaN.
    std::vector<double> many(150, 0.999999);
    EXPECT_NEAR(chiSquareCombine(many), 1.0, 1e-9);
    // Against the series summed term by term in log space (the reference
    // the product form with a separate scale must match), also where the
    // sum passes 1e200 and is rescaled (120 clues of 0.2: m ≈ 390).
    EXPECT_NEAR(chiSquareCombine({0.9, 0.8, 0.3, 0.6, 0.95}), 0.9243330880941754, 1e-12);
    std::vector<double> weak(120, 0.2);
    weak.insert(weak.end(), 30, 0.7);
    EXPECT_NEAR(chiSquareCombine(weak), 1.6902925394080004e-05, 1e-13);
    // A huge sum (every clue at the clamp) neither overflows nor is NaN.
    std::vector<double> extreme(100000, 0.0);
    double r = chiSquareCombine(extreme);
    EXPECT_TRUE(std::isfinite(r));
    EXPECT_NEAR(r, 0.0, 1e-9);
}

// A scan whose calibration weighs the Bayes opinion 0 does not form it: the
// same evidence and probability, without clues; with a weight it is formed
// as always, and the retraining (always) forms it whatever the weight.
TEST(BayesMath, OpinionFormedOnlyWhenWeighed) {
    BayesOptions o;
    BayesTotals totals;
    totals.spam_messages = 10;
    totals.ham_messages = 10;
    std::vector<KnownToken> known = {{1, {9, 0, 0.5f}}, {2, {0, 7, -0.25f}}, {3, {4, 1, 0.125f}}};
    totals.calibration.bayes_weight = 0;
    BayesResult always = classifyKnown(known, 10, totals, o, 0.3, BayesOpinion::always);
    BayesResult weighed = classifyKnown(known, 10, totals, o, 0.3, BayesOpinion::when_weighed);
    EXPECT_FALSE(always.clues.empty());
    EXPECT_NE(always.bayes, 0.5);
    EXPECT_TRUE(weighed.clues.empty());
    EXPECT_EQ(weighed.bayes, 0.5);
    EXPECT_EQ(weighed.logistic, always.logistic);
    EXPECT_EQ(weighed.evidence, always.evidence);
    EXPECT_EQ(weighed.probability, always.probability);
    totals.calibration.bayes_weight = 0.5;
    BayesResult given = classifyKnown(known, 10, totals, o, 0.3, BayesOpinion::when_weighed);
    EXPECT_EQ(given.clues.size(), always.clues.size());
    EXPECT_EQ(given.bayes, always.bayes);
}

TEST(ContentScore, ScaleAndVerdicts) {
    EXPECT_NEAR(classifierScore(0.5), 0, 1e-12);
    EXPECT_NEAR(classifierScore(kClassifierTagProbability), kTagScore, 1e-9);
    EXPECT_NEAR(classifierScore(kClassifierRejectProbability), kRejectScore, 1e-9);
    // Alone, the classifier refuses only when near-certain ...
    EXPECT_LT(classifierScore(0.9999 - 1e-6), kRejectScore);
    // ... and can take at most kTagScore off other evidence.
    EXPECT_GT(classifierScore(0.0), -kTagScore - 1e-9);
    EXPECT_GT(classifierScore(1e-9), -kTagScore);
    // The ham side has its own scale: p = 0.01 is about -3.2 whatever the tag anchor.
    EXPECT_NEAR(classifierScore(0.01), -kTagScore * (1 - std::exp(-1.0)), 1e-9);
    // Continuous and strictly increasing: nearby probabilities never tie.
    double previous = classifierScore(1e-6);
    for (double p = 2e-6; p < 1; p = p < 0.5 ? p * 1.5 : 1 - (1 - p) / 1.5) {
        double s = classifierScore(p);
        EXPECT_GT(s, previous) << p;
        previous = s;
        if (1 - p < 1e-9) break;
    }
    EXPECT_NE(classifierScore(0.999), classifierScore(0.9991));
    EXPECT_NEAR(classifierScore(std::nan("")), 0, 1e-12);
    EXPECT_EQ(contentVerdict(-3), ContentVerdict::accept);
    EXPECT_EQ(contentVerdict(4.99), ContentVerdict::accept);
    EXPECT_EQ(contentVerdict(5), ContentVerdict::tag);
    EXPECT_EQ(contentVerdict(9.99), ContentVerdict::tag);
    EXPECT_EQ(contentVerdict(10), ContentVerdict::reject);
    EXPECT_EQ(contentVerdict(kGtubeScore), ContentVerdict::reject);
    EXPECT_EQ(verdictName(ContentVerdict::tag), "tag");
}

class BayesStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = moat::store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        session_ = std::make_unique<Poco::Data::Session>(store_->connect());
        bayes_ = std::make_unique<BayesStore>(*session_);
    }
    void TearDown() override {
        bayes_.reset();
        session_.reset();
        store_.reset();
    }

    moat::test::TempDir dir_{"moat-bayes"};
    std::unique_ptr<moat::store::Store> store_;
    std::unique_ptr<Poco::Data::Session> session_;
    std::unique_ptr<BayesStore> bayes_;
};

TEST_F(BayesStoreTest, RoundTripAndRelearn) {
    const TokenHash big = 0xFFFFFFFFFFFFFFF0ull;  // above INT64_MAX: stored as its bits
    EXPECT_EQ(bayes_->learn(1, {10, 20, big}, "", true, 1000), LearnOutcome::learnt);
    EXPECT_EQ(bayes_->learn(2, {20, 30}, "", false, 2000), LearnOutcome::learnt);
    EXPECT_EQ(bayes_->learn(1, {10, 20, big}, "", true, 3000), LearnOutcome::already_known);
    auto t = bayes_->totals();
    EXPECT_EQ(t.spam_messages, 1);
    EXPECT_EQ(t.ham_messages, 1);
    auto k = bayes_->tokenStats();
    EXPECT_EQ(k.tokens, 4);
    EXPECT_EQ(k.oldest_seen, 1000);
    EXPECT_EQ(k.newest_seen, 2000);

    auto c = bayes_->lookup({10, 20, 30, 40, big});
    EXPECT_EQ(c.size(), 4u);
    EXPECT_EQ(c[10].spam, 1);
    EXPECT_EQ(c[10].ham, 0);
    EXPECT_EQ(c[20].spam, 1);
    EXPECT_EQ(c[20].ham, 1);
    EXPECT_EQ(c[big].spam, 1);
    EXPECT_EQ(c.count(40), 0u);

    // The same message as ham: its counts move, tokens left at zero vanish.
    EXPECT_EQ(bayes_->learn(1, {10, 20, big}, "", false, 4000), LearnOutcome::relearnt);
    t = bayes_->totals();
    EXPECT_EQ(t.spam_messages, 0);
    EXPECT_EQ(t.ham_messages, 2);
    c = bayes_->lookup({10, 20, 30, big});
    EXPECT_EQ(c[10].spam, 0);
    EXPECT_EQ(c[10].ham, 1);
    EXPECT_EQ(c[20].ham, 2);
}

// The calibration, the Bayes weight fitted with it included, is kept with the model.
TEST_F(BayesStoreTest, StoredModelKeepsItsCalibration) {
    EXPECT_EQ(bayes_->totals().calibration.bayes_weight, 0.5);  // a fresh store: the fixed weight
    bayes_->learn(1, {10, 20}, "", true, 1000);
    LogisticWeights model;
    model.weights[10] = 1.5f;
    model.bias = -0.25;
    bayes_->storeModel(model, Calibration{0.7, 0.1, 0.3});
    auto t = bayes_->totals();
    EXPECT_EQ(t.bias, -0.25);
    EXPECT_EQ(t.calibration.scale, 0.7);
    EXPECT_EQ(t.calibration.shift, 0.1);
    EXPECT_EQ(t.calibration.bayes_weight, 0.3);
    EXPECT_TRUE(t.logisticCurrent());
}

TEST_F(BayesStoreTest, LookupInBatches) {
    std::vector<TokenHash> tokens;
    for (TokenHash i = 1; i <= 1234; ++i) tokens.push_back(i * 7919);
    bayes_->learn(9, tokens, "", true, 1);
    tokens.push_back(5);  // never learnt
    EXPECT_EQ(bayes_->lookup(tokens).size(), 1234u);
}

TEST_F(BayesStoreTest, Expiry) {
    const std::int64_t day = 86400, now = 1000 * day;
    bayes_->learn(1, {1, 2, 3}, "", true, now - 100 * day);  // old
    bayes_->learn(2, {2}, "", true, now - 100 * day);        // token 2: old but seen twice
    bayes_->learn(3, {2}, "", false, now - 100 * day);       // ... and three times
    bayes_->learn(4, {4}, "", true, now - 10 * day);         // recent
    // 90 days, at most 2 messages: tokens 1 and 3 go; 2 (3 messages) and 4 (recent) stay.
    EXPECT_EQ(bayes_->expire(90, now), 2);
    auto c = bayes_->lookup({1, 2, 3, 4});
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c.count(2), 1u);
    EXPECT_EQ(c.count(4), 1u);
    EXPECT_EQ(bayes_->expire(5, now, 3), 2);
    EXPECT_EQ(bayes_->tokenStats().tokens, 0);
    // Message totals stay: they describe what was learnt, not what is kept.
    EXPECT_EQ(bayes_->totals().spam_messages, 3);
}

// Synthetic corpora: spam and ham from disjoint vocabularies plus shared
// filler words, so a working classifier separates them.
std::string randomMessage(std::mt19937& rng, const std::vector<std::string>& vocabulary, int id) {
    const std::vector<std::string> filler = {"the",  "and",  "you",  "for",
                                             "this", "with", "have", "that"};
    std::string body;
    for (int i = 0; i < 40; ++i) {
        body +=
            (rng() % 3 ? vocabulary[rng() % vocabulary.size()] : filler[rng() % filler.size()]) +
            " ";
    }
    return "Message-ID: <" + std::to_string(id) +
           "@test>\nSubject: " + vocabulary[rng() % vocabulary.size()] + "\n\n" + body + "\n";
}

TEST_F(BayesStoreTest, UntrainedIsHalf) {
    BayesClassifier classifier(*bayes_);
    auto r = classifier.classify(decodeMessage("Subject: hello\n\nanything at all\n"));
    EXPECT_FALSE(r.trained);
    EXPECT_DOUBLE_EQ(r.probability, 0.5);
    // Spam alone is not enough to judge.
    classifier.learn(decodeMessage("Subject: x\n\nbuy pills\n"), true, 1);
    r = classifier.classify(decodeMessage("Subject: x\n\nbuy pills\n"));
    EXPECT_FALSE(r.trained);
    EXPECT_DOUBLE_EQ(r.probability, 0.5);
}

TEST_F(BayesStoreTest, TrainingSeparatesSpamFromHam) {
    const std::vector<std::string> spam_words = {"viagra",      "casino",    "winner",  "prize",
                                                 "pills",       "cheap",     "bitcoin", "offer",
                                                 "unsubscribe", "guaranteed"};
    const std::vector<std::string> ham_words = {"meeting", "project", "invoice",  "agenda",
                                                "report",  "lunch",   "schedule", "review",
                                                "budget",  "minutes"};
    std::mt19937 rng(42);
    BayesClassifier classifier(*bayes_);
    for (int i = 0; i < 30; ++i) {
        classifier.learn(decodeMessage(randomMessage(rng, spam_words, i)), true, 1000);
        classifier.learn(decodeMessage(randomMessage(rng, ham_words, 1000 + i)), false, 1000);
    }
    for (int i = 0; i < 10; ++i) {
        auto spam_message = decodeMessage(randomMessage(rng, spam_words, 5000 + i));
        auto spam = classifier.classify(spam_message);
        auto ham = classifier.classify(decodeMessage(randomMessage(rng, ham_words, 6000 + i)));
        EXPECT_TRUE(spam.trained);
        EXPECT_GT(spam.probability, 0.9);
        EXPECT_LT(ham.probability, 0.1);
        EXPECT_EQ(contentVerdict(classifierScore(ham.probability)), ContentVerdict::accept);
        EXPECT_NE(contentVerdict(classifierScore(spam.probability)), ContentVerdict::accept);
        EXPECT_LE(spam.clues.size(), BayesOptions{}.max_clues);
        for (std::size_t k = 1; k < spam.clues.size(); ++k)
            EXPECT_GE(std::fabs(spam.clues[k - 1].probability - 0.5),
                      std::fabs(spam.clues[k].probability - 0.5));
        // Scoring leaves the clues unnamed; nameClues() names each by its own text.
        ASSERT_FALSE(spam.clues.empty());
        EXPECT_TRUE(spam.clues[0].token.empty());
        nameClues(spam_message, spam);
        for (const auto& clue : spam.clues) EXPECT_EQ(hashToken(clue.token), clue.hash) << clue.token;
    }
    // Words the classifier never saw: no real opinion (its only known tokens
    // are the header names every learnt message had, which lean whichever
    // way the last online steps pushed them), under a point either way.
    auto unknown =
        classifier.classify(decodeMessage("Subject: zzzq\n\nqwertyuiop asdfghjkl zxcvbnm\n"));
    EXPECT_NEAR(unknown.probability, 0.5, 0.15);
    EXPECT_LT(std::fabs(classifierScore(unknown.probability)), 1.0);
}

// Learning one message changes one message's worth of state: the rows of
// its own tokens, the totals, its digest and its example; nothing else.
TEST_F(BayesStoreTest, LearningOneMessageChangesOneMessagesWorth) {
    BayesClassifier classifier(*bayes_);
    std::mt19937 rng(5);
    const std::vector<std::string> words = {"alpha", "bravo", "charlie", "delta", "echo",
                                            "foxtrot", "golf", "hotel", "india", "juliet"};
    for (int i = 0; i < 20; ++i)
        classifier.learn(decodeMessage(randomMessage(rng, words, i)), i % 2 == 0, 1000);
    auto snapshot = [&] {
        std::vector<Poco::Int64> hash;
        std::vector<double> weight;
        std::vector<Poco::Int64> spam, ham;
        *session_ << "SELECT hash, spam, ham, weight FROM bayes_tokens ORDER BY hash", into(hash),
            into(spam), into(ham), into(weight), now;
        std::map<Poco::Int64, std::tuple<Poco::Int64, Poco::Int64, double>> rows;
        for (std::size_t i = 0; i < hash.size(); ++i) rows[hash[i]] = {spam[i], ham[i], weight[i]};
        return rows;
    };
    auto before = snapshot();
    auto examples_before = bayes_->exampleCount();
    auto message = decodeMessage(randomMessage(rng, words, 999) + "kilo lima mike\n");
    classifier.learn(message, true, 2000);
    auto after = snapshot();
    auto own = hashTokens(tokenize(message));
    std::set<Poco::Int64> own_rows;
    for (auto h : own) own_rows.insert(static_cast<Poco::Int64>(h));
    std::size_t changed = 0;
    for (const auto& [hash, row] : after) {
        auto it = before.find(hash);
        if (it != before.end() && it->second == row) continue;
        ++changed;
        EXPECT_TRUE(own_rows.count(hash)) << "a row of another token changed: " << hash;
    }
    for (const auto& [hash, row] : before) EXPECT_TRUE(after.count(hash));
    EXPECT_GT(changed, 0u);
    EXPECT_LE(changed, own.size());
    EXPECT_EQ(bayes_->exampleCount(), examples_before + 1);
}

// Retraining makes the model independent of the order messages were learnt in.
TEST_F(BayesStoreTest, RetrainedModelDoesNotDependOnLearningOrder) {
    const std::vector<std::string> spam_words = {"viagra", "casino", "winner", "prize", "pills"};
    const std::vector<std::string> ham_words = {"meeting", "project", "invoice", "agenda", "report"};
    std::vector<std::pair<std::string, bool>> corpus;
    std::mt19937 rng(9);
    for (int i = 0; i < 40; ++i) {
        corpus.emplace_back(randomMessage(rng, spam_words, i), true);
        corpus.emplace_back(randomMessage(rng, ham_words, 100 + i), false);
    }
    std::string probe = randomMessage(rng, spam_words, 500);
    auto train = [&](bool ham_first) {
        auto other = moat::store::Store::open("sqlite:" + (dir_.path / (ham_first ? "a.db" : "b.db")).string());
        auto session = other->connect();
        BayesStore store(session);
        BayesClassifier c(store);
        for (bool spam_pass : {!ham_first, ham_first})
            for (const auto& [text, spam] : corpus)
                if (spam == spam_pass) c.learn(decodeMessage(text), spam, 1000, false);
        EXPECT_EQ(c.retrain(), corpus.size());
        return c.classify(decodeMessage(probe)).probability;
    };
    double a = train(true), b = train(false);
    EXPECT_EQ(a, b);
    EXPECT_GT(a, 0.9);
}

const std::vector<std::string> kSpamWords = {"viagra", "casino", "winner", "prize", "pills"};
const std::vector<std::string> kHamWords = {"meeting", "project", "invoice", "agenda", "report"};

// 20 spam and 20 ham of those words, learnt one at a time.
void learnTwentyEach(BayesClassifier& classifier, std::mt19937& rng) {
    for (int i = 0; i < 20; ++i) {
        classifier.learn(decodeMessage(randomMessage(rng, kSpamWords, i)), true, 1000);
        classifier.learn(decodeMessage(randomMessage(rng, kHamWords, 100 + i)), false, 1000);
    }
}

// What a retraining leaves out of the Bayes counts (training on errors)
// comes out of them, and back in when selected again; relearning a message
// that is not counted takes nothing from the other class.
TEST_F(BayesStoreTest, CountedFollowsTheSelection) {
    EXPECT_EQ(bayes_->learn(1, {10, 20}, "", true, 1000), LearnOutcome::learnt);
    EXPECT_EQ(bayes_->learn(2, {10, 30}, "", true, 1000), LearnOutcome::learnt);
    EXPECT_EQ(bayes_->learn(3, {40}, "", false, 1000), LearnOutcome::learnt);
    auto examples = bayes_->examples();
    ASSERT_EQ(examples.size(), 3u);
    std::vector<bool> selected;
    for (const auto& e : examples) selected.push_back(e.digest != 2);
    EXPECT_EQ(bayes_->setCounted(examples, selected, 2000), 1u);
    EXPECT_EQ(bayes_->totals().spam_messages, 1);
    auto c = bayes_->lookup({10, 20, 30, 40});
    EXPECT_EQ(c[10].spam, 1);
    EXPECT_EQ(c.count(30), 0u);  // its only message left out: the row is gone
    EXPECT_EQ(bayes_->setCounted(examples, selected, 2000), 0u);  // nothing left to change

    // Relearnt as ham: nothing to take from spam, counted as ham.
    EXPECT_EQ(bayes_->learn(2, {10, 30}, "", false, 3000), LearnOutcome::relearnt);
    auto t = bayes_->totals();
    EXPECT_EQ(t.spam_messages, 1);
    EXPECT_EQ(t.ham_messages, 2);
    c = bayes_->lookup({10, 30});
    EXPECT_EQ(c[10].spam, 1);
    EXPECT_EQ(c[10].ham, 1);
    EXPECT_EQ(c[30].ham, 1);

    // Selected again (as its new class): counted once, not twice.
    examples = bayes_->examples();
    std::vector<bool> all(examples.size(), true);
    EXPECT_EQ(bayes_->setCounted(examples, all, 4000), 0u);
    EXPECT_EQ(bayes_->totals().ham_messages, 2);
    EXPECT_THROW(bayes_->setCounted(examples, {true}, 4000), std::invalid_argument);
}

// A retraining counts near-copies only until Bayes is sure of them.
TEST_F(BayesStoreTest, RetrainingCountsWhatBayesWasNotSureOf) {
    BayesClassifier classifier(*bayes_);
    std::mt19937 rng(21);
    for (int i = 0; i < 30; ++i) {
        classifier.learn(decodeMessage(randomMessage(rng, kSpamWords, i)), true, 1000, false);
        classifier.learn(decodeMessage(randomMessage(rng, kHamWords, 100 + i)), false, 1000, false);
    }
    EXPECT_EQ(bayes_->totals().spam_messages, 30);
    EXPECT_EQ(classifier.retrain(), 60u);
    auto t = bayes_->totals();
    EXPECT_GE(t.spam_messages, 1);
    EXPECT_LT(t.spam_messages, 30);
    EXPECT_LT(t.ham_messages, 30);
    EXPECT_GT(classifier.classify(decodeMessage(randomMessage(rng, kSpamWords, 900))).probability, 0.9);
    EXPECT_LT(classifier.classify(decodeMessage(randomMessage(rng, kHamWords, 901))).probability, 0.1);
}

// Weights learnt by an older model version (binary features) are left out
// of scoring and not stepped on until a retraining replaces them.
TEST_F(BayesStoreTest, OlderModelVersionWaitsForARetraining) {
    EXPECT_EQ(bayes_->totals().model_version, kLogisticModelVersion);  // a new store
    BayesClassifier classifier(*bayes_);
    std::mt19937 rng(13);
    learnTwentyEach(classifier, rng);
    classifier.retrain();
    auto probe = decodeMessage(randomMessage(rng, kSpamWords, 900));
    auto current = classifier.classify(probe);
    EXPECT_NE(current.logistic, 0);

    *session_ << "UPDATE bayes_totals SET model_version = 1", Poco::Data::Keywords::now;
    EXPECT_FALSE(bayes_->totals().logisticCurrent());
    auto stale = classifier.classify(probe);
    EXPECT_EQ(stale.logistic, 0);              // the old weights are not used
    EXPECT_EQ(stale.bayes, current.bayes);     // Bayes is
    EXPECT_GT(stale.probability, 0.5);
    auto weights = [&] {
        double sum = 0;
        *session_ << "SELECT total(abs(weight)) FROM bayes_tokens", Poco::Data::Keywords::into(sum),
            Poco::Data::Keywords::now;
        return sum;
    };
    double before = weights();
    classifier.learn(decodeMessage(randomMessage(rng, kSpamWords, 901)), true, 2000);
    EXPECT_EQ(weights(), before);  // no online step on old weights
    classifier.retrain();
    EXPECT_TRUE(bayes_->totals().logisticCurrent());
    EXPECT_NE(classifier.classify(probe).logistic, 0);
}

// The in-memory copy answers as the store does, and the store's generation
// tells when it is out of date.
TEST_F(BayesStoreTest, TokenTableMatchesTheStore) {
    BayesClassifier classifier(*bayes_);
    std::mt19937 rng(11);
    learnTwentyEach(classifier, rng);
    classifier.retrain();
    auto table = TokenTable::load(*bayes_);
    EXPECT_EQ(static_cast<std::int64_t>(table->size()), bayes_->tokenCount());
    EXPECT_EQ(table->generation(), bayes_->generation());
    BayesClassifier from_table(*bayes_, table);
    for (int i = 0; i < 5; ++i) {
        auto text = randomMessage(rng, i % 2 ? kSpamWords : kHamWords, 500 + i);
        auto a = classifier.classify(decodeMessage(text)), b = from_table.classify(decodeMessage(text));
        EXPECT_NEAR(a.probability, b.probability, 1e-6);
        EXPECT_EQ(a.clues.size(), b.clues.size());
    }
    TokenCounts counts;
    EXPECT_FALSE(table->find(12345, counts));
    auto before = bayes_->generation();
    classifier.learn(decodeMessage("Subject: new\n\nsomething new entirely\n"), false, 2000);
    EXPECT_GT(bayes_->generation(), before);
}

// The table's tags: a hash whose top byte is 0 (tag 1, as a hash whose top
// byte is 1) and hashes that share a tag and a home slot are each found with
// their own counts; absent hashes with those tags and homes are not found.
TEST_F(BayesStoreTest, TokenTableTagsNeverConfuseTokens) {
    const std::vector<TokenHash> learnt = {0x00000000000000A1ull, 0x01000000000000A1ull, 0x01000000000000A2ull,
                                           0x7700000000001000ull, 0x7700000000002000ull, 0xFF000000000000A1ull};
    bayes_->learn(1, {learnt[0], learnt[1], learnt[3]}, "", true, 1000);
    bayes_->learn(2, {learnt[1], learnt[2], learnt[4], learnt[5]}, "", false, 1000);
    auto table = TokenTable::load(*bayes_);
    ASSERT_EQ(table->size(), learnt.size());
    const std::vector<std::pair<std::uint32_t, std::uint32_t>> expected = {{1, 0}, {1, 1}, {0, 1},
                                                                            {1, 0}, {0, 1}, {0, 1}};
    for (std::size_t i = 0; i < learnt.size(); ++i) {
        TokenCounts counts;
        ASSERT_TRUE(table->find(learnt[i], counts)) << std::hex << learnt[i];
        EXPECT_EQ(counts.spam, expected[i].first) << std::hex << learnt[i];
        EXPECT_EQ(counts.ham, expected[i].second) << std::hex << learnt[i];
    }
    std::vector<KnownToken> known;
    std::vector<TokenHash> probes = learnt;
    for (TokenHash absent : {0x00000000000000A2ull, 0x01000000000000A3ull, 0x7700000000003000ull,
                             0x0000000000001000ull, 0xFF000000000000A2ull}) {
        TokenCounts counts;
        EXPECT_FALSE(table->find(absent, counts)) << std::hex << absent;
        probes.push_back(absent);
    }
    std::sort(probes.begin(), probes.end());
    table->findAll(probes, known);
    ASSERT_EQ(known.size(), learnt.size());
    for (const auto& k : known) EXPECT_NE(std::find(learnt.begin(), learnt.end(), k.hash), learnt.end());
}

}  // namespace

namespace {

// A character model of the store's kept examples' texts, stored with a say
// of its own (weight 2) beside the current calibration and bias; returned.
CharScorer storeCharModelOfKeptExamples(BayesStore& bayes, const CharModelOptions& options) {
    CharModel model(options);
    const auto kept = bayes.examples();
    std::vector<std::string_view> texts;
    for (const auto& e : kept) model.learn(e.text, e.spam), texts.push_back(e.text);
    CharScorer chars = model.compile(texts);
    Calibration calibration = bayes.totals().calibration;
    calibration.char_weight = 2;
    LogisticWeights logistic;
    logistic.bias = bayes.totals().bias;
    bayes.storeModel(logistic, calibration, &chars);
    return chars;
}

// Each learnt message keeps the text the character model reads; a retraining
// builds the model from those texts, stores it only when the calibration
// gives it a say, and the in-memory copy scores with it as the store does.
TEST_F(BayesStoreTest, CharacterModelIsKeptAndScoresAsTheStoreDoes) {
    BayesClassifier classifier(*bayes_);
    std::mt19937 rng(17);
    learnTwentyEach(classifier, rng);
    auto examples = bayes_->examples();
    ASSERT_EQ(examples.size(), 40u);
    for (const auto& e : examples) EXPECT_FALSE(e.text.empty());
    auto probe = decodeMessage(randomMessage(rng, kSpamWords, 700));
    classifier.learn(probe, true, 1500, false);
    bool found = false;
    for (const auto& e : bayes_->examples())
        if (e.digest == messageDigest(probe)) found = e.text == charModelText(probe);
    EXPECT_TRUE(found);

    classifier.retrain();
    auto stored = bayes_->charModel();
    EXPECT_EQ(stored.has_value(), bayes_->totals().calibration.char_weight != 0);
    EXPECT_EQ(bayes_->charModelStamp() != 0, stored.has_value());

    // A model stored with a say of its own: the copy in memory carries it,
    // a reload with nothing retrained keeps the same one, and both ways of
    // scoring agree, the character model's score included.
    const CharScorer chars = storeCharModelOfKeptExamples(*bayes_, CharModelOptions{});
    Calibration calibration = bayes_->totals().calibration;
    LogisticWeights logistic;
    logistic.bias = bayes_->totals().bias;
    auto table = TokenTable::load(*bayes_);
    ASSERT_NE(table->charModel(), nullptr);
    EXPECT_EQ(table->charModel()->entries(), chars.entries());
    auto reloaded = TokenTable::load(*bayes_, table);
    EXPECT_EQ(reloaded->charModel(), table->charModel());
    BayesClassifier from_store(*bayes_), from_table(*bayes_, reloaded);
    for (int i = 0; i < 4; ++i) {
        auto message = decodeMessage(randomMessage(rng, i % 2 ? kSpamWords : kHamWords, 800 + i));
        auto a = from_store.classify(message), b = from_table.classify(message);
        EXPECT_EQ(a.chars, chars.score(charModelText(message, chars.options())));
        EXPECT_NE(a.chars, 0);
        EXPECT_EQ(a.chars, b.chars);
        EXPECT_NEAR(a.probability, b.probability, 1e-6);
    }
    // moat-smtpd before its first copy is loaded (a null table): the store's
    // tokens, but not its character model, which would be read per message.
    BayesClassifier before_first_copy(*bayes_, nullptr);
    EXPECT_EQ(before_first_copy.classify(decodeMessage(randomMessage(rng, kSpamWords, 810))).chars, 0);
    // Stored without one: the next copy has none.
    bayes_->storeModel(logistic, calibration, nullptr);
    EXPECT_EQ(TokenTable::load(*bayes_, reloaded)->charModel(), nullptr);
    EXPECT_EQ(bayes_->totals().calibration.char_weight, 0);
}

// A store from before the character model read header fields (migration
// 15): its scorer goes on reading texts in the form it was built for until
// the next retraining, and the examples' texts, which have no header fields,
// are dropped, so that the next model is built from examples learnt since.
TEST_F(BayesStoreTest, AnOlderCharacterModelReadsItsOwnFormUntilTheNextRetraining) {
    BayesClassifier classifier(*bayes_);
    std::mt19937 rng(23);
    learnTwentyEach(classifier, rng);
    CharModelOptions before;
    before.max_bytes = 2000;
    before.header_bytes = 0;
    const CharScorer old = storeCharModelOfKeptExamples(*bayes_, before);

    const moat::store::Migration* fifteen = nullptr;
    for (const auto& m : moat::store::migrations())
        if (m.version == 15) fifteen = &m;
    ASSERT_TRUE(fifteen);
    for (const char* statement : fifteen->statements) *session_ << statement, Poco::Data::Keywords::now;
    for (const auto& e : bayes_->examples()) EXPECT_TRUE(e.text.empty());

    auto message = decodeMessage("To: someone@example.org\nX-Mailer: BulkBlaster 5\n" +
                                 randomMessage(rng, kSpamWords, 900));
    ASSERT_NE(charModelText(message), charModelText(message, before));
    auto scored = BayesClassifier(*bayes_).classify(message);
    EXPECT_EQ(scored.chars, old.score(charModelText(message, before)));
    EXPECT_EQ(TokenTable::load(*bayes_)->charModel()->options().header_bytes, 0u);

    // The next retraining has no texts to build a model from: none, no say.
    classifier.retrain();
    EXPECT_FALSE(bayes_->charModel().has_value());
    EXPECT_EQ(bayes_->totals().calibration.char_weight, 0);
    // Messages learnt since keep today's form, header fields first.
    learnTwentyEach(classifier, rng);
    std::size_t with_text = 0;
    for (const auto& e : bayes_->examples()) with_text += !e.text.empty();
    EXPECT_EQ(with_text, 40u);
}

}  // namespace
