// The Public Suffix List (publicsuffix.org; Debian package publicsuffix):
// reduces a host name to its registered domain ("www.evil.co.uk" ->
// "evil.co.uk"), the name URI blocklists list. Rules, "*." wildcards and "!"
// exceptions as in the list's algorithm; the default rule is "*". Names are
// compared as written (lower case ASCII; IDN rules match only in UTF-8).
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

namespace moat::content {

inline constexpr std::string_view kPublicSuffixFile =
    "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
  public:
    static constexpr std::size_t kMaxRules = 100000;
    static constexpr std::size_t kMaxLine = 255;

    // Parses the list's text: one rule per line, "//" comments, blank lines;
    // the first word of a line is the rule. Over-long lines, rules with empty
    // labels and rules past kMaxRules are skipped.
    static PublicSuffixList parse(std::string_view text);
    // The system list, read once; without the file only the default rule applies.
    static const PublicSuffixList& system();

    // The registered domain of host (lower case, no trailing dot), or "" when
    // host is itself a public suffix or not a valid name.
    std::string registeredDomain(std::string_view host) const;
    std::size_t size() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

  private:
    std::unordered_set<std::string> rules_;       // "co.uk"
    std::unordered_set<std::string> wildcards_;   // "*.ck" stored as "ck"
    std::unordered_set<std::string> exceptions_;  // "!www.ck" stored as "www.ck"
};

}  // namespace moat::content
