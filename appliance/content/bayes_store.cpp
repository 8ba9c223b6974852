#include "content/bayes_store.h"

#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <string>

using namespace Poco::Data::Keywords;

namespace moat::content {
namespace {

// BEGIN IMMEDIATE takes the write lock up front, so a concurrent writer (the
// gateway's committer, another learner) makes this one wait out the busy
// timeout; a deferred transaction that reads first fails at once instead.
class WriteTransaction {
  public:
    explicit WriteTransaction(Poco::Data::Session& session) : session_(session) {
        session_ << "BEGIN IMMEDIATE", Poco::Data::Keywords::now;
    }
    ~WriteTransaction() {
        if (done_) return;
        try {
            session_ << "ROLLBACK", Poco::Data::Keywords::now;
        } catch (const Poco::Exception&) {
            // The connection is unusable; SQLite rolled back already.
        }
    }
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit() {
        session_ << "COMMIT", Poco::Data::Keywords::now;
        done_ = true;
    }

  private:
    Poco::Data::Session& session_;
    bool done_ = false;
};

}  // namespace

namespace {

// SQLite integers are signed: a hash is stored as the same 64 bits.
Poco::Int64 stored(TokenHash h) {
    return static_cast<Poco::Int64>(h);
}
TokenHash loaded(Poco::Int64 v) {
    return static_cast<TokenHash>(v);
}

constexpr std::size_t kLookupBatch = 500;  // well under SQLite's bound-parameter limit

}  // namespace

BayesTotals BayesStore::totals() {
    Poco::Int64 spam = 0, ham = 0;
    session_ << "SELECT spam_messages, ham_messages FROM bayes_totals WHERE id = 1", into(spam),
        into(ham), now;
    return BayesTotals{spam, ham};
}

TokenStats BayesStore::tokenStats() {
    Poco::Int64 tokens = 0, oldest = 0, newest = 0;
    session_ << "SELECT count(*), coalesce(min(last_seen), 0), coalesce(max(last_seen), 0)"
                " FROM bayes_tokens",
        into(tokens), into(oldest), into(newest), now;
    return TokenStats{tokens, oldest, newest};
}

std::unordered_map<TokenHash, TokenCounts> BayesStore::lookup(
    const std::vector<TokenHash>& tokens) {
    std::unordered_map<TokenHash, TokenCounts> out;
    std::vector<Poco::Int64> batch;
    for (std::size_t start = 0; start < tokens.size(); start += kLookupBatch) {
        std::size_t n = std::min(kLookupBatch, tokens.size() - start);
        batch.clear();
        for (std::size_t i = 0; i < n; ++i) batch.push_back(stored(tokens[start + i]));
        std::string sql = "SELECT hash, spam, ham FROM bayes_tokens WHERE hash IN (?";
        for (std::size_t i = 1; i < n; ++i) sql += ",?";
        sql += ")";
        std::vector<Poco::Int64> hashes, spam, ham;
        Poco::Data::Statement select(session_);
        select << sql, into(hashes), into(spam), into(ham);
        for (auto& h : batch) select, use(h);
        select.execute();
        for (std::size_t i = 0; i < hashes.size(); ++i)
            out[loaded(hashes[i])] = TokenCounts{spam[i], ham[i]};
    }
    return out;
}

void BayesStore::count(const std::vector<TokenHash>& tokens, bool spam, int delta,
                       std::int64_t at) {
    std::vector<Poco::Int64> hashes;
    hashes.reserve(tokens.size());
    for (auto t : tokens) hashes.push_back(stored(t));
    // A message without tokens still counts in the totals.
    if (!hashes.empty() && delta > 0) {
        Poco::Int64 s = spam ? 1 : 0, h = spam ? 0 : 1, ts = at;
        std::vector<Poco::Int64> ss(hashes.size(), s), hs(hashes.size(), h), tss(hashes.size(), ts);
        session_ << "INSERT INTO bayes_tokens (hash, spam, ham, last_seen) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (hash) DO UPDATE SET spam = spam + excluded.spam,"
                    " ham = ham + excluded.ham, last_seen = max(last_seen, excluded.last_seen)",
            use(hashes), use(ss), use(hs), use(tss), now;
    } else if (!hashes.empty()) {
        std::string column = spam ? "spam" : "ham";
        session_ << "UPDATE bayes_tokens SET " + column + " = max(" + column +
                        " - 1, 0) WHERE hash = ?",
            use(hashes), now;
        session_ << "DELETE FROM bayes_tokens WHERE hash = ? AND spam = 0 AND ham = 0", use(hashes),
            now;
    }
    std::string total = spam ? "spam_messages" : "ham_messages";
    session_ << "UPDATE bayes_totals SET " + total + " = max(" + total + " + " +
                    std::to_string(delta) + ", 0) WHERE id = 1",
        now;
}

LearnOutcome BayesStore::learn(TokenHash digest, const std::vector<TokenHash>& tokens, bool spam,
                               std::int64_t at) {
    WriteTransaction tx(session_);
    Poco::Int64 key = stored(digest);
    std::vector<Poco::Int64> previous;
    session_ << "SELECT spam FROM bayes_seen WHERE digest = ?", use(key), into(previous), now;
    LearnOutcome outcome = LearnOutcome::learnt;
    if (!previous.empty()) {
        if ((previous[0] != 0) == spam) return LearnOutcome::already_known;
        count(tokens, !spam, -1, at);
        outcome = LearnOutcome::relearnt;
    }
    count(tokens, spam, +1, at);
    Poco::Int64 is_spam = spam ? 1 : 0, ts = at;
    session_
        << "INSERT INTO bayes_seen (digest, spam, learnt) VALUES (?, ?, ?)"
           " ON CONFLICT (digest) DO UPDATE SET spam = excluded.spam, learnt = excluded.learnt",
        use(key), use(is_spam), use(ts), now;
    tx.commit();
    return outcome;
}

std::int64_t BayesStore::expire(int days, std::int64_t at, std::int64_t max_count) {
    constexpr std::int64_t kDay = 86400;
    WriteTransaction tx(session_);
    Poco::Int64 b = at - days * kDay, m = max_count, s = at - std::max(days, 365) * kDay;
    Poco::Data::Statement remove(session_);
    remove << "DELETE FROM bayes_tokens WHERE last_seen < ? AND spam + ham <= ?", use(b), use(m);
    std::int64_t removed = static_cast<std::int64_t>(remove.execute());
    session_ << "DELETE FROM bayes_seen WHERE learnt < ?", use(s), now;
    tx.commit();
    return removed;
}

}  // namespace moat::content
