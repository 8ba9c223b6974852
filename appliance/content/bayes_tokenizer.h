// The features the Bayesian classifier counts: body words plus orthogonal
// sparse bigrams over a window of 5 (as CRM114: "a b", "a _ b", "a _ _ b",
// "a _ _ _ b" — phrase evidence at 4 features a word), header words prefixed
// with the header's name, the names of the header fields present (the
// sending software's fingerprint), URL hosts, attachment types, decoding
// anomalies.
// Hashed to 64 bits for the store (docs/content-analysis.md: rules and why).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "content/decoded_message.h"

namespace moat::content {

using TokenHash = std::uint64_t;

struct TokenizerLimits {
    std::size_t max_words = 5000;       // body words used (OSB makes ~5 tokens of each)
    std::size_t max_word_bytes = 40;    // longer words become "skip:<first char> <length/10>"
    std::size_t max_header_words = 50;  // words used from one header field
    std::size_t max_urls = 100;         // URLs used from the text and HTML links
    std::size_t max_header_names = 100; // header fields whose names are counted
};

inline constexpr std::size_t kOsbWindow = 5;

// Sorted, unique token texts.
std::vector<std::string> tokenize(const DecodedMessage& message,
                                  const TokenizerLimits& limits = {});

// The body-word part on its own (words and OSB bigrams), for tests and tools.
std::vector<std::string> textTokens(std::string_view utf8_text, const TokenizerLimits& limits = {});

TokenHash hashToken(std::string_view token);

// hashTokens(tokenize(message)) without building the tokens' texts (most are
// word pairs): the classifier's path. Sorted, unique.
std::vector<TokenHash> tokenHashes(const DecodedMessage& message,
                                   const TokenizerLimits& limits = {});

// The texts of the message's tokens whose hashes are wanted (to explain a
// verdict by its strongest tokens).
std::unordered_map<TokenHash, std::string> tokenNames(const DecodedMessage& message,
                                                      const std::unordered_set<TokenHash>& wanted,
                                                      const TokenizerLimits& limits = {});

// Sorted, unique hashes of tokens.
std::vector<TokenHash> hashTokens(const std::vector<std::string>& tokens);

// Sorts `hashes` and drops repeats, as std::sort + std::unique would, but in
// linear time for uniformly spread hashes (a bucket pass on the top bits,
// then insertion sort within the nearly sorted result): a message's few
// thousand token hashes are sorted on every scan.
void sortUniqueHashes(std::vector<TokenHash>& hashes);

// Identity of a message for "already learnt": its Message-ID and decoded
// text, so the copy in a mailbox and the one at SMTP time agree even though
// transport headers differ.
TokenHash messageDigest(const DecodedMessage& message);

}  // namespace moat::content
