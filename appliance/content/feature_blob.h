// A learnt message's tokens as stored for retraining: sorted unique 64-bit
// hashes as LEB128 varints of their differences (about 9 bytes a token for
// random hashes, against 8 + SQLite's row overhead per token in a table).
// decode refuses anything malformed (truncated varint, more than 10 bytes
// for one value, a difference that is 0 or wraps) rather than guessing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/bayes_tokenizer.h"

namespace moat::content {

// hashes: sorted, unique.
std::string encodeFeatures(const std::vector<TokenHash>& hashes);

std::optional<std::vector<TokenHash>> decodeFeatures(std::string_view blob);

}  // namespace moat::content
