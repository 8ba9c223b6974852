// Which answers of a blocklist zone count as a listing. Zones answer 127.0.0.2
// and other 127.x.y.z codes for their sub-lists, and some answer 127.255.255.x
// for errors (Spamhaus: "queried through a public resolver"), which must never
// reject mail. A mask is comma-separated IPv4 addresses and ranges, e.g.
// "127.0.0.2-127.0.0.11,127.0.0.20"; the empty mask takes any 127.0.0.0/8
// answer except 127.255.255.0/24. parse() is strict (inet_pton syntax, first <=
// last, at most 32 items, spaces only around commas) and str() is canonical.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::dns {

class AnswerMask {
  public:
    static constexpr std::size_t kMaxItems = 32;
    static constexpr std::size_t kMaxText = 1000;

    // Nothing if text is not a mask; then *error (if given) says why.
    static std::optional<AnswerMask> parse(std::string_view text, std::string* error = nullptr);

    // answer: an A record as text ("127.0.0.2"); anything else never matches.
    bool matches(std::string_view answer) const;
    std::string str() const;  // "" for the default mask

  private:
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_;  // inclusive; empty: the default
};

}  // namespace moat::dns
