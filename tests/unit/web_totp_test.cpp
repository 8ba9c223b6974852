// Two-factor login: RFC 6238's test vector through liboath, the code parser,
// a code accepted once, recovery codes used once, the login flow with a
// second factor, and a second factor passing the per-name limit only for an
// enrolled account.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "store/login_failures.h"
#include "store/second_factor.h"
#include "store/store.h"
#include "store/users.h"
#include "temp_dir.h"
#include "web/authenticator.h"
#include "web/login_limiter.h"
#include "web/password_hash.h"
#include "web/totp.h"

using namespace moat;

namespace {

constexpr const char* kRfcSecret = "3132333435363738393031323334353637383930";  // "1234567890" x2

TEST(WebTotp, Rfc6238VectorAndParser) {
    EXPECT_EQ(web::totpAt(kRfcSecret, 59), "287082");
    EXPECT_EQ(web::totpAt(kRfcSecret, 1111111109), "081804");
    EXPECT_EQ(web::matchTotp(kRfcSecret, "287082", 59), 1);
    EXPECT_EQ(web::matchTotp(kRfcSecret, "287 082", 59 + 30), 1);  // one step of drift
    EXPECT_FALSE(web::matchTotp(kRfcSecret, "287082", 59 + 90));
    EXPECT_FALSE(web::matchTotp(kRfcSecret, "287083", 59));
    EXPECT_EQ(web::parseTotpCode(" 12 34 56 "), "123456");
    for (const char* bad : {"", "12345", "1234567", "12345a", "１２３４５６", "123456\n"})
        EXPECT_FALSE(web::parseTotpCode(bad)) << bad;
    EXPECT_EQ(web::totpBase32(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    auto uri = web::totpUri("al ice", kRfcSecret);
    EXPECT_EQ(uri.rfind("otpauth://totp/Moat:al%20ice?secret=GEZDGNBVGY3TQOJQ", 0), 0u) << uri;
    auto svg = web::qrSvg(uri);
    EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    auto codes = web::newRecoveryCodes(10);
    ASSERT_EQ(codes.size(), 10u);
    EXPECT_NE(codes[0], codes[1]);
    EXPECT_EQ(web::recoveryCodeHash(codes[0]), web::recoveryCodeHash(" " + codes[0] + " "));
}

class WebSecondFactor : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        db_ = std::make_unique<Poco::Data::Session>(store_->connect());
        user_ = store::addUser(*db_, "admin", web::hashPassword("admin-password"), "admin", {});
        store::setPendingSecondFactor(*db_, user_.id, kRfcSecret);
        store::confirmSecondFactor(*db_, user_.id, 0, {web::recoveryCodeHash("abcde-fghjk")});
    }
    void TearDown() override {
        db_.reset();
        store_.reset();
    }
    moat::test::TempDir dir_{"moat-2fa"};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Poco::Data::Session> db_;
    store::User user_;
};

TEST_F(WebSecondFactor, LoginNeedsTheCodeOnceAndRecoveryCodesOnce) {
    web::LoginLimiter limiter;
    long long t = 1111111109;
    auto code = web::totpAt(kRfcSecret, t);
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "192.0.2.1", t).outcome,
              web::LoginOutcome::second_factor_needed);
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "192.0.2.1", t, "000000")
                  .outcome,
              web::LoginOutcome::bad_credentials);
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "192.0.2.1", t, code).outcome,
              web::LoginOutcome::ok);
    // The same code again (a replay) fails.
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "192.0.2.1", t, code).outcome,
              web::LoginOutcome::bad_credentials);
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "192.0.2.1", t,
                              "ABCDE-FGHJK")
                  .outcome,
              web::LoginOutcome::ok);
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "192.0.2.1", t,
                              "abcde-fghjk")
                  .outcome,
              web::LoginOutcome::bad_credentials);
    // A wrong password with the right code looks like any failure.
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "wrong-password", "192.0.2.1", t + 60,
                              web::totpAt(kRfcSecret, t + 60))
                  .outcome,
              web::LoginOutcome::bad_credentials);
}

TEST_F(WebSecondFactor, SecondFactorPassesThePerNameLimitOnlyForEnrolledAccounts) {
    store::addUser(*db_, "plain", web::hashPassword("plain-password"), "admin", {});
    web::LoginLimiter limiter;
    long long t = 1111111109;
    for (const char* name : {"admin", "plain"})
        for (int i = 0; i < 20; ++i)
            web::checkLogin(*db_, limiter, name, "wrong-password", "198.51.100." + std::to_string(i + 1), t);
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "203.0.113.1", t).outcome,
              web::LoginOutcome::account_locked);
    EXPECT_EQ(web::checkLogin(*db_, limiter, "admin", "admin-password", "203.0.113.1", t,
                              web::totpAt(kRfcSecret, t))
                  .outcome,
              web::LoginOutcome::ok);
    // Without two-factor login a made-up code does not open the per-name lock.
    EXPECT_EQ(web::checkLogin(*db_, limiter, "plain", "plain-password", "203.0.113.2", t, "123456")
                  .outcome,
              web::LoginOutcome::bad_credentials);
}

}  // namespace
