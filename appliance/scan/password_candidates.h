// Candidate passwords for encrypted attachments, from what the message says:
// the words after a password keyword ("Password: x", "pwd=x", "Kennwort
// lautet x", "mot de passe : x"), then short quoted strings, in the text parts
// and the Subject. Pure and bounded (text read, candidates, their length):
// each candidate costs moat-scand one decryption attempt.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "content/decoded_message.h"

namespace moat::scan {

struct CandidateLimits {
    std::size_t max_candidates = 32;
    std::size_t max_length = 64;              // bytes of one candidate
    std::size_t max_text_bytes = 256u << 10;  // text looked at, Subject first
};

// Most likely first, without duplicates: words right after a keyword, then
// the other words near one, then quoted strings anywhere. A word with
// punctuation around it ("secret123.") is offered trimmed, then as written.
std::vector<std::string> passwordCandidates(std::string_view text, const CandidateLimits& limits);
// Over the Subject and every text part, in that order.
std::vector<std::string> passwordCandidates(const content::DecodedMessage& message,
                                            const CandidateLimits& limits);

}  // namespace moat::scan
