#include "mail/date.h"

#include <cstdio>
#include <ctime>

namespace moat::mail {

std::string rfc5322Date(long long epoch_seconds) {
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    // Day and month names are the C locale's, which RFC 5322 requires whatever the process locale.
    static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

namespace {

std::string utc(long long epoch_seconds, const char* format) {
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

}  // namespace

std::string isoDate(long long epoch_seconds) { return utc(epoch_seconds, "%Y-%m-%d"); }
std::string isoDateTime(long long epoch_seconds) { return utc(epoch_seconds, "%Y-%m-%d %H:%M:%S"); }

}  // namespace moat::mail
