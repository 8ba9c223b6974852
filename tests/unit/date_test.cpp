#include "mail/date.h"

#include <gtest/gtest.h>

#include <clocale>

#include "util/time_text.h"

using moat::mail::rfc5322Date;

TEST(Rfc5322Date, FormatsUtcWithEnglishNames) {
    EXPECT_EQ(rfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(rfc5322Date(1796233317), "Wed, 02 Dec 2026 17:41:57 +0000");
    EXPECT_EQ(rfc5322Date(951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(LocalTimeText, NeverIsADash) {
    EXPECT_EQ(moat::util::localTimeText(0), "-");
    EXPECT_EQ(moat::util::localTimeText(1796233317).size(), 19u);
}

TEST(IsoDate, UtcDayAndTime) {
    EXPECT_EQ(moat::mail::isoDate(0), "1970-01-01");
    EXPECT_EQ(moat::mail::isoDateTime(1796233317), "2026-12-02 17:41:57");
}
