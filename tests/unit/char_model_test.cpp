// The character model (content/char_model.h): the text it reads from a
// decoded message, that it leans each way on text like what it learnt, that
// learning is order-independent and unlearning takes exactly one message's
// counts away, and the calibration's third input.
#include "content/char_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "content/calibration.h"
#include "content/logistic_model.h"
#include "content/mime_decoder.h"

using namespace moat::content;

namespace {

const char* kSpam[] = {
    "subject: FREE money!!! from: deals@bulk.example CLICK HERE to claim your $1000 prize now!!!",
    "subject: Cheap meds from: pharmacy@cheap.example Buy V1AGRA online, no prescription, 80% OFF!!!",
    "subject: You WON from: lottery@win.example Congratulations!!! You have WON $5,000,000 CLICK NOW",
};
const char* kHam[] = {
    "subject: Re: meeting notes from: alice@example.org Hi Bob, attached are the notes from "
    "yesterday's meeting. Let me know if I missed anything.",
    "subject: build failure from: carol@example.org The nightly build failed again in the linker "
    "step; I think the new flag is the cause.",
    "subject: lunch? from: dave@example.org Are you around for lunch on Thursday? The usual place.",
};

CharModel trained() {
    CharModel m;
    for (const char* s : kSpam) m.learn(s, true);
    for (const char* h : kHam) m.learn(h, false);
    return m;
}

}  // namespace

CharModelOptions bodyOnly(std::size_t max_bytes) {
    CharModelOptions o;
    o.max_bytes = max_bytes;
    o.header_bytes = 0;
    return o;
}

TEST(CharModel, TextIsSubjectFromAndTextPartsCollapsed) {
    auto m = decodeMessage(
        "From: Alice <alice@example.org>\nSubject: Hello   there\n"
        "Content-Type: text/plain\n\nLine one.\n\n\n   Line\ttwo.\n");
    EXPECT_EQ(charModelText(m, bodyOnly(2000)), "subject: Hello there from: Alice <alice@example.org> Line one. Line two.");
    EXPECT_EQ(charModelText(m, bodyOnly(14)), "subject: Hello");
    // A cut never splits a UTF-8 character.
    auto u = decodeMessage("Subject: =?UTF-8?B?w6nDqcOp?=\n\nx\n");
    std::string t = charModelText(u, bodyOnly(11));  // "subject: é" is 11 bytes, "subject: éé" 13
    EXPECT_EQ(t, "subject: \xc3\xa9");
    EXPECT_EQ(charModelText(u, bodyOnly(12)), "subject: \xc3\xa9");
    EXPECT_EQ(charModelText(decodeMessage(""), bodyOnly(100)), "subject: from:");
}

TEST(CharModel, TextStartsWithTheFieldsTheSenderWrote) {
    auto m = decodeMessage(
        "Received: from relay.example.net by mx.example.org\n"
        "Return-Path: <alice@example.org>\nDelivered-To: bob@example.org\nX-Spam-Status: No\n"
        "From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: Hello\n"
        "X-Mailer: Mutt\nContent-Type: text/plain;\n charset=us-ascii\n\nLine one.\n");
    // In message order, Subject and From left for the body's part, fields
    // added in transit (Received, Return-Path, Delivered-To, X-Spam-*) left out.
    const std::string headers = "to: Bob <bob@example.org> x-mailer: Mutt content-type: text/plain; charset=us-ascii ";
    CharModelOptions o;  // the defaults: 2,500 bytes, 500 of them header fields
    EXPECT_EQ(charModelText(m, o), headers + "subject: Hello from: Alice <alice@example.org> Line one.");
    // Each part has its own budget: the header fields' below header_bytes
    // (the space after them included), the rest max_bytes - header_bytes.
    o.header_bytes = 12;
    o.max_bytes = 12 + 14;
    EXPECT_EQ(charModelText(m, o), "to: Bob <bo subject: Hello");
    // A message with no such field starts with its subject.
    EXPECT_EQ(charModelText(decodeMessage("Subject: x\n\nbody\n"), CharModelOptions{}), "subject: x from: body");
    // Names in any case: lower-cased, and known as transit fields or as Subject and From.
    auto loud = decodeMessage("RECEIVED: from a\nX-SPAM-FLAG: YES\nX-Mailer: Mutt\nSUBJECT: Hi\nFROM: a@b.example\n\nx\n");
    EXPECT_EQ(charModelText(loud, CharModelOptions{}), "x-mailer: Mutt subject: Hi from: a@b.example x");
}

TEST(CharModel, LeansTowardsTheClassTheTextResembles) {
    auto m = trained();
    EXPECT_GT(m.score("subject: FREE prize!!! CLICK HERE to claim your $500 now!!!"), 0.1);
    EXPECT_LT(m.score("subject: Re: notes from the meeting; let me know if the build is fixed."), -0.1);
    EXPECT_EQ(m.score(""), 0);
    CharModel only_spam;
    only_spam.learn(kSpam[0], true);
    EXPECT_EQ(only_spam.score(kSpam[1]), 0);  // no opinion before both classes are learnt
}

TEST(CharModel, LearningOrderDoesNotMatterAndUnlearningTakesOneMessageAway) {
    CharModel forward, backward;
    for (const char* s : kSpam) forward.learn(s, true);
    for (const char* h : kHam) forward.learn(h, false);
    for (int i = 2; i >= 0; --i) backward.learn(kHam[i], false);
    for (int i = 2; i >= 0; --i) backward.learn(kSpam[i], true);
    const std::string probe = "subject: claim your prize from: alice@example.org notes";
    EXPECT_DOUBLE_EQ(forward.score(probe), backward.score(probe));

    CharModel without;
    for (const char* s : kSpam) without.learn(s, true);
    for (int i = 0; i < 2; ++i) without.learn(kHam[i], false);
    CharModel with = without;
    with.learn(kHam[2], false);
    EXPECT_NE(with.score(probe), without.score(probe));
    with.learn(kHam[2], false, -1);
    EXPECT_DOUBLE_EQ(with.score(probe), without.score(probe));
    EXPECT_DOUBLE_EQ(with.score(kHam[2]), without.score(kHam[2]));
}

TEST(CharModel, ReadsAtMostMaxBytes) {
    CharModelOptions o;
    o.max_bytes = 20;
    CharModel m(o);
    m.learn("aaaaaaaaaaaaaaaaaaaa" "SPAMSPAMSPAM", true);
    m.learn("bbbbbbbbbbbbbbbbbbbb" "SPAMSPAMSPAM", false);
    // What follows the first 20 bytes was never learnt, nor is it scored.
    EXPECT_EQ(m.score("aaaaaaaaaaaaaaaaaaaa"), m.score("aaaaaaaaaaaaaaaaaaaa" "zzzz"));
    EXPECT_GT(m.score("aaaaaaaaaaaaaaaaaaaa"), 0);
}

TEST(CharModel, StaysWithinMaxEntries) {
    CharModelOptions o;
    o.max_entries = 5000;
    CharModel m(o);
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<int> byte(32, 126);
    std::string ham_text, spam_text;
    for (int i = 0; i < 50; ++i) {
        std::string t;
        for (int j = 0; j < 1000; ++j) t.push_back(static_cast<char>(byte(rng)));
        m.learn(t, i % 2 == 0);
        (i % 2 == 0 ? spam_text : ham_text) = t;
    }
    EXPECT_LE(m.entries(), 5000u);
    EXPECT_LE(m.memoryBytes(), 5000u * 24 * 2);
    // Full, it still scores with what it holds, and learning more adds no key.
    EXPECT_TRUE(std::isfinite(m.score(spam_text)));
    m.learn(std::string(500, 'q') + "something new entirely", true);
    EXPECT_LE(m.entries(), 5000u);
}

// The compiled scorer scores as the counts do, to float precision, on text
// learnt and on text never seen (where it walks down the orders).
TEST(CharModel, CompiledScorerAgreesWithTheCounts) {
    for (auto [min_order, max_order] : {std::pair{4, 5}, std::pair{2, 4}, std::pair{0, 6}}) {
        CharModelOptions o;
        o.min_order = min_order;
        o.max_order = max_order;
        CharModel m(o);
        std::vector<std::string_view> texts;
        for (const char* s : kSpam) m.learn(s, true), texts.push_back(s);
        for (const char* h : kHam) m.learn(h, false), texts.push_back(h);
        auto scorer = m.compile(texts);
        EXPECT_EQ(scorer.options().max_order, max_order);
        for (const char* t : {kSpam[0], kHam[1], "subject: something else entirely from: x@y.example",
                              "Re: CLICK the meeting notes $$$", "ab", ""})
            EXPECT_NEAR(scorer.score(t), m.score(t), 1e-5) << min_order << "-" << max_order << ": " << t;
    }
    CharModel only_spam;
    only_spam.learn(kSpam[0], true);
    EXPECT_EQ(only_spam.compile({kSpam[0]}).score(kSpam[0]), 0);  // no opinion before both classes
}

// The store keeps the scorer as bytes: read back, it scores exactly as
// before; bytes that are damaged in any way read back as nothing.
TEST(CharModel, ScorerBytesRoundTripAndDamageIsRefused) {
    CharModelOptions o;
    o.min_order = 2;
    o.max_order = 3;
    o.max_bytes = 500;
    o.header_bytes = 100;
    CharModel m(o);
    std::vector<std::string_view> texts;
    for (const char* s : kSpam) m.learn(s, true), texts.push_back(s);
    for (const char* h : kHam) m.learn(h, false), texts.push_back(h);
    const auto scorer = m.compile(texts);
    const std::string bytes = scorer.serialize();
    auto back = CharScorer::deserialize(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->entries(), scorer.entries());
    EXPECT_EQ(back->options().min_order, 2);
    EXPECT_EQ(back->options().max_bytes, 500u);
    EXPECT_EQ(back->options().header_bytes, 100u);
    for (const char* t : {kSpam[0], kHam[1], "something else entirely"}) EXPECT_EQ(back->score(t), scorer.score(t)) << t;
    EXPECT_EQ(back->serialize().size(), bytes.size());

    // The first format ("MOATCS01", stored before header fields were read)
    // has no header_bytes: its texts had none.
    std::string first = bytes;
    first[7] = '1';
    first.erase(24, 8);
    auto old = CharScorer::deserialize(first);
    ASSERT_TRUE(old);
    EXPECT_EQ(old->options().header_bytes, 0u);
    EXPECT_EQ(old->options().max_bytes, 500u);
    EXPECT_EQ(old->score(kSpam[0]), scorer.score(kSpam[0]));

    constexpr std::size_t kHeader = 40, kKey = 12;
    EXPECT_FALSE(CharScorer::deserialize(""));
    EXPECT_FALSE(CharScorer::deserialize(bytes.substr(0, bytes.size() - 1)));  // truncated
    EXPECT_FALSE(CharScorer::deserialize(bytes + "x"));                         // trailing bytes
    std::string magic = bytes;
    magic[0] = 'X';
    EXPECT_FALSE(CharScorer::deserialize(magic));
    std::string orders = bytes;
    orders[8] = 9;  // min_order 9 > max_order 3
    EXPECT_FALSE(CharScorer::deserialize(orders));
    std::string header_bytes = bytes;
    header_bytes[25] = 2;  // header_bytes 612 > max_bytes 500
    EXPECT_FALSE(CharScorer::deserialize(header_bytes));
    std::string repeated = bytes;  // the last key a copy of the first
    repeated.replace(repeated.size() - kKey, kKey, repeated.substr(kHeader, kKey));
    EXPECT_FALSE(CharScorer::deserialize(repeated));
    std::string empty_key = bytes;
    empty_key.replace(kHeader, 8, std::string(8, '\0'));
    EXPECT_FALSE(CharScorer::deserialize(empty_key));
    std::string not_finite = bytes;
    not_finite.replace(kHeader + 8, 4, "\x00\x00\xc0\x7f");  // NaN
    EXPECT_FALSE(CharScorer::deserialize(not_finite));
    EXPECT_TRUE(CharScorer::deserialize(CharScorer().serialize()));  // an empty scorer is one
    EXPECT_EQ(CharScorer().score("anything"), 0);
}

TEST(Calibration, StackingLearnsTheCharacterModelsWeight) {
    // True P(spam) = sigmoid(0.6 logistic + 0.12 bayes + 3 chars - 0.2).
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> uniform(0, 1), zs(-8, 8), bs(-13, 13), cs(-1, 1);
    std::vector<HeldOut> data;
    for (int i = 0; i < 40000; ++i) {
        double z = zs(rng), b = bs(rng), c = cs(rng);
        data.push_back({z, b, uniform(rng) < sigmoid(0.6 * z + 0.12 * b + 3 * c - 0.2), c});
    }
    auto c = fitStackedCalibration(data, 0.5);
    EXPECT_NEAR(c.scale, 0.6, 0.05);
    EXPECT_NEAR(c.bayes_weight, 0.2, 0.03);
    EXPECT_NEAR(c.char_weight, 5.0, 0.5);
    EXPECT_NEAR(c.probability(c.evidence(1, sigmoid(2), 0.5)),
                sigmoid(c.scale * (1 + c.bayes_weight * 2 + c.char_weight * 0.5) + c.shift), 1e-9);
    // Bayes pointing the wrong way beside the character model: Bayes gets no say.
    auto wrong_bayes = data;
    for (auto& h : wrong_bayes) h.bayes_logit = (h.spam ? -5.0 : 5.0) * uniform(rng);
    auto without_bayes = fitStackedCalibration(wrong_bayes, 0.5);
    EXPECT_EQ(without_bayes.bayes_weight, 0);
    EXPECT_GT(without_bayes.char_weight, 1);
    // Without the character model's scores the fit is the two-input one.
    for (auto& h : data) h.chars = 0;
    EXPECT_EQ(fitStackedCalibration(data, 0.5).char_weight, 0);
    // One that points the wrong way gets no say.
    for (auto& h : data) h.chars = (h.spam ? -0.3 : 0.3) * uniform(rng);
    EXPECT_EQ(fitStackedCalibration(data, 0.5).char_weight, 0);
}
