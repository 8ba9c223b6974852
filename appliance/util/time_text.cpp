#include "util/time_text.h"

#include <ctime>

namespace moat::util {

std::string localTimeText(long long epoch_seconds) {
    if (epoch_seconds == 0) return "-";
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

}  // namespace moat::util
