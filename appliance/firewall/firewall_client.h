// The client side of moat-firewall's socket (firewall/report.h has the
// requests): moatctl and the daemons send one request and read its answer.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace moat::firewall {

// One request, its answer ("ok: …", "refused: …", "error: …"); throws
// std::runtime_error when moat-firewall cannot be reached or does not answer
// within `timeout` (sending and receiving each).
std::string askFirewall(const std::string& path, const std::string& request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// "600", "90s", "10m", "2h", "7d" → seconds; throws std::invalid_argument.
long long parseDuration(std::string_view text);

}  // namespace moat::firewall
