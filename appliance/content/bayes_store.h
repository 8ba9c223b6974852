// The classifier's memory in the store (migration 4): per token hash the
// learnt spam and ham messages it occurred in and when last learnt, the
// message totals, and learnt messages' digests. One transaction per learnt
// message. Uses the caller's session (one thread at a time, as any Poco
// session); store failures throw: an environment failure, retry later.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "content/bayes_tokenizer.h"

namespace moat::content {

struct TokenCounts {
    std::int64_t spam = 0, ham = 0;
};

// Messages learnt per class: the denominators of every token probability.
struct BayesTotals {
    std::int64_t spam_messages = 0, ham_messages = 0;
};

// What the table holds, for administrators (a full scan: not per message).
struct TokenStats {
    std::int64_t tokens = 0;       // rows in bayes_tokens
    std::int64_t oldest_seen = 0;  // smallest last_seen (0: no tokens)
    std::int64_t newest_seen = 0;
};

enum class LearnOutcome {
    learnt,         // counted for the first time
    already_known,  // learnt before as the same class: nothing changed
    relearnt,       // learnt before as the other class: moved to this one
};

inline constexpr int kExpireDays = 90;
inline constexpr std::int64_t kExpireMaxCount = 2;

class BayesStore {
  public:
    explicit BayesStore(Poco::Data::Session& session) : session_(session) {}

    BayesTotals totals();
    TokenStats tokenStats();

    // Counts of the given tokens; tokens never learnt are absent.
    std::unordered_map<TokenHash, TokenCounts> lookup(const std::vector<TokenHash>& tokens);

    // Counts one message's unique tokens as spam or ham, learnt at time `at`.
    LearnOutcome learn(TokenHash digest, const std::vector<TokenHash>& tokens, bool spam,
                       std::int64_t at);

    // Removes tokens not learnt for `days` days whose spam + ham is at most
    // max_count (rare tokens that stopped coming: most of a table's growth),
    // and the digests of messages learnt more than max(days, 365) days ago.
    // Returns the number of tokens removed. For moatctl and the daemon's
    // nightly housekeeping.
    std::int64_t expire(int days, std::int64_t at, std::int64_t max_count = kExpireMaxCount);

  private:
    void count(const std::vector<TokenHash>& tokens, bool spam, int delta, std::int64_t at);

    Poco::Data::Session& session_;
};

}  // namespace moat::content
