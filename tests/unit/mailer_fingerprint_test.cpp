// Mail-program fingerprints (content/mailer_fingerprint.h) as tables: an
// Outlook Message-ID's time against the Date and the arrival, the X-MimeOLE
// Outlook writes beside it, an Outlook Express X-Mailer with another
// program's Message-ID, Outlook sending HTML alone; and the heuristics they
// feed, with the time zone that does not exist.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "content/heuristics.h"
#include "content/mailer_fingerprint.h"
#include "content/mime_decoder.h"

using namespace moat::content;

namespace {

constexpr std::int64_t kNow = 1764489600;  // Sun, 30 Nov 2025 08:00:00 +0000
// Outlook's time field for kNow is 01dc61cf (FILETIME / 2^32).
constexpr std::string_view kOutlookIdNow = "<000a01dc61cf$12345678$9abcdef0@pc17>";
constexpr std::string_view kMimeOle = "Produced By Microsoft MimeOLE V6.00.2900.2180";

MailerClaims outlook(std::string_view id, std::optional<std::int64_t> date) {
    MailerClaims c;
    c.message_id = id;
    c.x_mailer = "Microsoft Outlook Express 6.00.2900.2180";
    c.x_mimeole = kMimeOle;
    c.date = date;
    return c;
}

std::vector<std::string> partNames(const std::string& raw, std::optional<std::int64_t> now = kNow) {
    std::vector<std::string> out;
    for (const auto& p : heuristicParts(decodeMessage(raw), now)) out.push_back(p.name);
    return out;
}

}  // namespace

TEST(MailerFingerprint, OutlookTimeToken) {
    EXPECT_EQ(outlookTimeToken(kNow), 0x01dc61cf);
    // A real Outlook Express 6 message of 23 Aug 2002 07:41 -0400 had <002a01c24a99$...>.
    std::int64_t t = 0;
    ASSERT_TRUE(parseRfc5322Date("Fri, 23 Aug 2002 07:41:00 -0400", t));
    EXPECT_LT(std::llabs(outlookTimeToken(t) - 0x01c24a99), 3);
    EXPECT_EQ(outlookIdTime(kOutlookIdNow), 0x01dc61cfu);
    for (std::string_view other : {"<1@example.org>", "<000A01DC61CF$12345678$9ABCDEF0@pc>",
                                   "<01dc61cf$12345678$9abcdef0@pc>", "<000a01dc61cf$1234$9abcdef0@pc>",
                                   "<000a01dc61cf$12345678$9abcdef0@>", "000a01dc61cf$12345678$9abcdef0@pc"})
        EXPECT_FALSE(outlookIdTime(other)) << other;
}

TEST(MailerFingerprint, RatwareMessageId) {
    // Outlook's own: time within about 30 hours of the Date, X-MimeOLE present.
    EXPECT_FALSE(ratwareMessageId(outlook(kOutlookIdNow, kNow)));
    EXPECT_FALSE(ratwareMessageId(outlook(kOutlookIdNow, kNow + 20 * 3600)));
    // The time is not the Date's, nor the arrival's.
    EXPECT_TRUE(ratwareMessageId(outlook(kOutlookIdNow, kNow + 40 * 3600)));
    EXPECT_TRUE(ratwareMessageId(outlook(kOutlookIdNow, std::nullopt)));
    // A wrong Date, but the arrival matches: a clock set wrong, not a forgery.
    auto wrong_clock = outlook(kOutlookIdNow, kNow - 400 * 86400);
    wrong_clock.received = kNow + 3600;
    EXPECT_FALSE(ratwareMessageId(wrong_clock));
    // Outlook's format without the X-MimeOLE it always writes.
    auto no_mimeole = outlook(kOutlookIdNow, kNow);
    no_mimeole.x_mimeole.reset();
    EXPECT_TRUE(ratwareMessageId(no_mimeole));
    no_mimeole.x_mimeole = "Produced By Someone Else";
    EXPECT_TRUE(ratwareMessageId(no_mimeole));
    auto short_id = outlook("<3e2f$41ab$99cd@host>", kNow);
    EXPECT_FALSE(ratwareMessageId(short_id));  // the dollar format, X-MimeOLE there, no time to judge
    short_id.x_mimeole.reset();
    EXPECT_TRUE(ratwareMessageId(short_id));
    // Other formats are not judged.
    EXPECT_FALSE(ratwareMessageId(outlook("<20251130.abc@mail.example.org>", std::nullopt)));
}

TEST(MailerFingerprint, ForgedMailer) {
    EXPECT_FALSE(forgedMailer(outlook(kOutlookIdNow, kNow)));
    EXPECT_FALSE(forgedMailer(outlook("<002a01c24a99$f8570760$603a2f18@177h501>", kNow)));
    EXPECT_FALSE(forgedMailer(outlook("<00c201c2$6a1fb9e0$0200a8c0@pc>", kNow)));  // 8 hex first: OE 4
    EXPECT_FALSE(forgedMailer(outlook("<F123abcdEFGH456ijklmnopQRST@hotmail.com>", kNow)));
    EXPECT_TRUE(forgedMailer(outlook("<20251130080000.1234@mail.example.org>", kNow)));
    EXPECT_TRUE(forgedMailer(outlook("<000A01DC61CF$12345678$9ABCDEF0@pc17>", kNow)));  // upper case
    MailerClaims other;
    other.message_id = "<20251130080000.1234@mail.example.org>";
    other.x_mailer = "Mutt/2.2.9";
    other.html_only = true;
    EXPECT_FALSE(forgedMailer(other));
    other.x_mailer = "Microsoft Outlook 16.0";
    EXPECT_TRUE(forgedMailer(other));  // Outlook always writes a text alternative
    other.html_only = false;
    EXPECT_FALSE(forgedMailer(other));
}

TEST(MailerFingerprint, HeuristicParts) {
    const std::string from = "From: a@example.org\r\nSubject: hi\r\n";
    const std::string date = "Date: Sun, 30 Nov 2025 08:00:00 +0000\r\n";
    const std::string oe = "X-Mailer: Microsoft Outlook Express 6.00.2900.2180\r\n"
                           "X-MimeOLE: Produced By Microsoft MimeOLE V6.00.2900.2180\r\n";
    const std::string id = "Message-ID: " + std::string(kOutlookIdNow) + "\r\n";
    EXPECT_EQ(partNames(from + date + oe + id + "\r\nhi\r\n"), std::vector<std::string>{});
    EXPECT_EQ(partNames(from + "Date: Fri, 28 Nov 2025 08:00:00 +0000\r\n" + oe + id + "\r\nhi\r\n"),
              (std::vector<std::string>{"ratware-message-id"}));
    EXPECT_EQ(partNames(from + date + oe + "Message-ID: <1@example.org>\r\n\r\nhi\r\n"),
              (std::vector<std::string>{"forged-mailer"}));
    EXPECT_EQ(partNames(from + date + oe + id + "MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<html><p>hi</p></html>\r\n"),
              (std::vector<std::string>{"forged-mailer"}));
    const std::string mid = "Message-ID: <1@example.org>\r\n";
    EXPECT_EQ(partNames(from + "Date: Sun, 30 Nov 2025 08:00:00 +0530\r\n" + mid + "\r\nhi\r\n"),
              std::vector<std::string>{});
    EXPECT_EQ(partNames(from + "Date: Sun, 30 Nov 2025 08:00:00 -1245\r\n" + mid + "\r\nhi\r\n",
                        std::nullopt),
              std::vector<std::string>{});
    for (const char* zone : {"+1500", "-2000", "+0517", "+0059"})
        EXPECT_EQ(partNames(from + "Date: Sun, 30 Nov 2025 08:00:00 " + zone + "\r\n" + mid + "\r\nhi\r\n",
                            std::nullopt),
                  std::vector<std::string>{"impossible-timezone"})
            << zone;
}

