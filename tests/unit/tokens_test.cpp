// One-time tokens: the token alphabet and parsing of token addresses (table
// driven), and against a real SQLite store with an injected clock: the same
// token for the same sender and recipient, expiry, single use, reservation
// against concurrent use, release of an unspent reservation, domain and
// recipient binding, revocation and purging.
#include "policy/tokens.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "store/tokens.h"
#include "temp_dir.h"

using moat::policy::canonicalToken;
using moat::policy::parseTokenLocalPart;
using moat::policy::Tokens;

namespace {

TEST(TokenText, NewTokensAreEightCanonicalCharactersAndDiffer) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        auto t = moat::policy::newToken();
        ASSERT_EQ(t.size(), 8u);
        EXPECT_EQ(canonicalToken(t), t);
        EXPECT_EQ(t.find_first_of("ILOU"), std::string::npos) << t;
        seen.insert(t);
    }
    EXPECT_GT(seen.size(), 995u);
}

TEST(TokenText, CanonicalForm) {
    struct Case {
        const char* in;
        const char* out;  // nullptr: not a token
    } cases[] = {
        {"4Q7ZJ2XM", "4Q7ZJ2XM"}, {"4q7zj2xm", "4Q7ZJ2XM"},
        {"O0Il1abc", "00111ABC"}, {"4Q7ZJ2X", nullptr},
        {"4Q7ZJ2XMM", nullptr},   {"4Q7ZJ2XU", nullptr},
        {"4Q7ZJ2X-", nullptr},    {"", nullptr},
        {"4Q7ZJ2X\xc3", nullptr},
    };
    for (const auto& c : cases) {
        auto got = canonicalToken(c.in);
        if (c.out)
            EXPECT_EQ(got, std::string(c.out)) << c.in;
        else
            EXPECT_FALSE(got) << c.in;
    }
}

TEST(TokenText, LocalParts) {
    struct Case {
        const char* in;
        const char* base;  // nullptr: not a token address
        const char* token;
    } cases[] = {
        {"jane+tok-4Q7ZJ2XM", "jane", "4Q7ZJ2XM"},
        {"Jane+TOK-4q7zj2xm", "Jane", "4Q7ZJ2XM"},
        {"a+b+tok-4Q7ZJ2XM", "a+b", "4Q7ZJ2XM"},
        {"+tok-4Q7ZJ2XM", nullptr, nullptr},
        {"jane+tok-4Q7ZJ2X", nullptr, nullptr},
        {"jane+tok-4Q7ZJ2XMX", nullptr, nullptr},
        {"jane-tok-4Q7ZJ2XM", nullptr, nullptr},
        {"jane+tok4Q7ZJ2XMX", nullptr, nullptr},
        {"jane", nullptr, nullptr},
        {"", nullptr, nullptr},
    };
    for (const auto& c : cases) {
        auto got = parseTokenLocalPart(c.in);
        if (!c.base) {
            EXPECT_FALSE(got) << c.in;
            continue;
        }
        ASSERT_TRUE(got) << c.in;
        EXPECT_EQ(got->base, c.base);
        EXPECT_EQ(got->token, c.token);
        EXPECT_EQ(moat::policy::tokenLocalPart(got->base, got->token),
                  std::string(c.base) + "+tok-" + c.token);
    }
}

class TokensTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = moat::store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        tokens_ = std::make_unique<Tokens>(*store_, [this] { return clock_.load(); });
    }
    void TearDown() override {
        tokens_.reset();
        store_.reset();
    }
    Tokens::Claim claim(long long domain, const std::string& local) {
        return tokens_->reserve(domain, *parseTokenLocalPart(local));
    }

    moat::test::TempDir dir_{"moat-tokens"};
    std::unique_ptr<moat::store::Store> store_;
    std::unique_ptr<Tokens> tokens_;
    std::atomic<long long> clock_{1'800'000'000};
};

TEST_F(TokensTest, SameSenderAndRecipientGetTheSameToken) {
    auto a = tokens_->issue(1, "jane@example.com", "bob@spam.example", 3600);
    EXPECT_EQ(a.expires, clock_ + 3600);
    auto b = tokens_->issue(1, "JANE@example.com", "Bob@spam.example", 3600);
    EXPECT_EQ(a.token, b.token);
    EXPECT_NE(tokens_->issue(1, "jane@example.com", "carol@spam.example", 3600).token, a.token);
    EXPECT_NE(tokens_->issue(2, "jane@example.com", "bob@spam.example", 3600).token, a.token);
    clock_ += 3601;
    EXPECT_NE(tokens_->issue(1, "jane@example.com", "bob@spam.example", 3600).token, a.token)
        << "an expired token is not handed out again";
}

TEST_F(TokensTest, ATokenIsUsedOnce) {
    auto t = tokens_->issue(1, "jane@example.com", "bob@spam.example", 3600);
    auto c = claim(1, "jane+tok-" + t.token);
    ASSERT_EQ(c.result, Tokens::Claim::ok);
    EXPECT_EQ(c.recipient, "jane@example.com");
    EXPECT_EQ(claim(1, "jane+tok-" + t.token).result, Tokens::Claim::busy)
        << "reserved by the first";
    EXPECT_TRUE(c.reservation.spend());
    EXPECT_EQ(claim(1, "jane+tok-" + t.token).result, Tokens::Claim::invalid) << "spent";
    EXPECT_NE(tokens_->issue(1, "jane@example.com", "bob@spam.example", 3600).token, t.token);
}

TEST_F(TokensTest, AnUnspentReservationIsReleased) {
    auto t = tokens_->issue(1, "jane@example.com", "", 3600);
    {
        auto c = claim(1, "JANE+tok-" + t.token);
        ASSERT_EQ(c.result, Tokens::Claim::ok);
        Tokens::Reservation moved = std::move(c.reservation);
        EXPECT_EQ(claim(1, "jane+tok-" + t.token).result, Tokens::Claim::busy);
    }
    EXPECT_EQ(claim(1, "jane+tok-" + t.token).result, Tokens::Claim::ok);
}

TEST_F(TokensTest, ExpiredForeignAndMismatchedTokensAreInvalid) {
    auto t = tokens_->issue(1, "jane@example.com", "bob@spam.example", 3600);
    EXPECT_EQ(claim(2, "jane+tok-" + t.token).result, Tokens::Claim::invalid) << "another domain";
    EXPECT_EQ(claim(1, "john+tok-" + t.token).result, Tokens::Claim::invalid)
        << "another recipient";
    EXPECT_EQ(claim(1, "jane+tok-" + moat::policy::newToken()).result, Tokens::Claim::invalid)
        << "unknown";
    clock_ += 3600;
    EXPECT_EQ(claim(1, "jane+tok-" + t.token).result, Tokens::Claim::invalid) << "expired";
    EXPECT_EQ(tokens_->purge(), 0u) << "expires is not yet in the past";
    clock_ += 1;
    EXPECT_EQ(tokens_->purge(), 1u);
    auto session = store_->connect();
    EXPECT_FALSE(moat::store::findToken(session, t.token));
}

TEST_F(TokensTest, RevokedWhileReservedIsNotSpent) {
    auto t = tokens_->issue(1, "jane@example.com", "bob@spam.example", 3600);
    auto c = claim(1, "jane+tok-" + t.token);
    ASSERT_EQ(c.result, Tokens::Claim::ok);
    auto session = store_->connect();
    EXPECT_TRUE(moat::store::deleteToken(session, t.token));
    EXPECT_FALSE(c.reservation.spend());
}

}  // namespace
