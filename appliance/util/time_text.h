// Timestamps for people: "2026-12-02 17:41:57" in the machine's local time,
// as moatctl prints them in tables. "-" for 0 (never).
#pragma once

#include <string>

namespace moat::util {

std::string localTimeText(long long epoch_seconds);

}  // namespace moat::util
