#include "content/bayes_store.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <string>

#include "content/feature_blob.h"
#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::content {
namespace {

// One learnt message's changes: its own write transaction (BEGIN IMMEDIATE
// waits its turn behind another writer), or a savepoint inside a batch's.
class LearnScope {
  public:
    LearnScope(Poco::Data::Session& session, bool in_batch) : session_(session) {
        if (in_batch)
            session_ << "SAVEPOINT learn", now;
        else
            tx_.emplace(session_);
    }
    ~LearnScope() {
        if (done_ || tx_) return;
        try {
            session_ << "ROLLBACK TO learn", now;
            session_ << "RELEASE learn", now;
        } catch (const Poco::Exception&) {
            // The batch's own rollback undoes it.
        }
    }
    LearnScope(const LearnScope&) = delete;
    LearnScope& operator=(const LearnScope&) = delete;
    void commit() {
        if (tx_)
            tx_->commit();
        else
            session_ << "RELEASE learn", now;
        done_ = true;
    }

  private:
    Poco::Data::Session& session_;
    std::optional<store::WriteTransaction> tx_;
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
    double bias = 0, scale = 1, shift = 0;
    session_ << "SELECT spam_messages, ham_messages, bias, calibration_scale, calibration_shift"
                " FROM bayes_totals WHERE id = 1",
        into(spam), into(ham), into(bias), into(scale), into(shift), now;
    return BayesTotals{spam, ham, bias, Calibration{scale, shift}};
}

std::int64_t BayesStore::tokenCount() {
    Poco::Int64 n = 0;
    session_ << "SELECT count(*) FROM bayes_tokens", into(n), now;
    return n;
}

std::int64_t BayesStore::generation() {
    Poco::Int64 n = 0;
    session_ << "SELECT generation FROM bayes_totals WHERE id = 1", into(n), now;
    return n;
}

void BayesStore::forEachToken(const std::function<void(TokenHash, const TokenCounts&)>& visit) {
    Poco::Data::Statement select(session_);
    std::vector<Poco::Int64> hashes, spam, ham;
    std::vector<double> weight;
    // In chunks: all rows at once would hold several copies in memory.
    select << "SELECT hash, spam, ham, weight FROM bayes_tokens", into(hashes), into(spam),
        into(ham), into(weight), limit(100000);
    while (!select.done()) {
        hashes.clear();
        spam.clear();
        ham.clear();
        weight.clear();
        select.execute();
        for (std::size_t i = 0; i < hashes.size(); ++i)
            visit(loaded(hashes[i]), TokenCounts{spam[i], ham[i], static_cast<float>(weight[i])});
    }
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
        std::string sql = "SELECT hash, spam, ham, weight FROM bayes_tokens WHERE hash IN (?";
        for (std::size_t i = 1; i < n; ++i) sql += ",?";
        sql += ")";
        std::vector<Poco::Int64> hashes, spam, ham;
        std::vector<double> weight;
        Poco::Data::Statement select(session_);
        select << sql, into(hashes), into(spam), into(ham), into(weight);
        for (auto& h : batch) select, use(h);
        select.execute();
        for (std::size_t i = 0; i < hashes.size(); ++i)
            out[loaded(hashes[i])] = TokenCounts{spam[i], ham[i], static_cast<float>(weight[i])};
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
                    std::to_string(delta) + ", 0), generation = generation + 1 WHERE id = 1",
        now;
}

LearnOutcome BayesStore::learn(TokenHash digest, const std::vector<TokenHash>& tokens, bool spam,
                               std::int64_t at, const std::optional<LogisticOptions>& options) {
    LearnScope tx(session_, batch_.has_value());
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
    if (options) step(tokens, spam, *options);
    std::vector<TokenHash> features = tokens;  // the stored form needs them sorted, unique
    if (!std::is_sorted(features.begin(), features.end()) ||
        std::adjacent_find(features.begin(), features.end()) != features.end()) {
        std::sort(features.begin(), features.end());
        features.erase(std::unique(features.begin(), features.end()), features.end());
    }
    std::string encoded = encodeFeatures(features);
    Poco::Data::BLOB blob(reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size());
    session_ << "INSERT INTO bayes_examples (digest, spam, learnt, features) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (digest) DO UPDATE SET spam = excluded.spam,"
                " learnt = excluded.learnt, features = excluded.features",
        use(key), use(is_spam), use(ts), use(blob), now;
    Poco::Int64 keep = kMaxExamples;
    // Walks the learnt index: no sort of the whole table per message.
    session_ << "DELETE FROM bayes_examples WHERE digest IN (SELECT digest FROM bayes_examples"
                " ORDER BY learnt DESC LIMIT -1 OFFSET ?)",
        use(keep), now;
    tx.commit();
    return outcome;
}

void BayesStore::step(const std::vector<TokenHash>& tokens, bool spam,
                      const LogisticOptions& options) {
    auto known = lookup(tokens);
    double bias = 0;
    session_ << "SELECT bias FROM bayes_totals WHERE id = 1", into(bias), now;
    auto weights = logisticStep(
        tokens, spam,
        [&](TokenHash h) {
            auto it = known.find(h);
            return it == known.end() ? 0.0 : static_cast<double>(it->second.weight);
        },
        bias, options);
    if (!tokens.empty()) {
        std::vector<Poco::Int64> hashes;
        std::vector<double> values(weights.begin(), weights.end());
        hashes.reserve(tokens.size());
        for (auto t : tokens) hashes.push_back(stored(t));
        session_ << "UPDATE bayes_tokens SET weight = ? WHERE hash = ?", use(values), use(hashes),
            now;
    }
    session_ << "UPDATE bayes_totals SET bias = ? WHERE id = 1", use(bias), now;
}

void BayesStore::beginBatch() {
    if (!batch_) batch_.emplace(session_);
}

void BayesStore::commitBatch() {
    if (!batch_) return;
    batch_->commit();
    batch_.reset();
}

std::int64_t BayesStore::exampleCount() {
    Poco::Int64 n = 0;
    session_ << "SELECT count(*) FROM bayes_examples", into(n), now;
    return n;
}

std::vector<Example> BayesStore::examples() {
    std::vector<Example> out;
    Poco::Data::Statement select(session_);
    Poco::Int64 digest = 0, spam = 0;
    Poco::Data::BLOB blob;
    select << "SELECT digest, spam, features FROM bayes_examples ORDER BY digest", into(digest),
        into(spam), into(blob), range(0, 1);
    while (!select.done()) {
        if (select.execute() == 0) break;
        auto features = decodeFeatures(
            std::string_view(reinterpret_cast<const char*>(blob.rawContent()), blob.size()));
        // A row that does not decode was not written by learn(): skip it
        // rather than train on garbage; retraining stays possible.
        if (features) out.push_back({loaded(digest), spam != 0, std::move(*features)});
    }
    return out;
}

void BayesStore::storeModel(const LogisticWeights& model, const Calibration& calibration) {
    store::WriteTransaction tx(session_);
    session_ << "UPDATE bayes_tokens SET weight = 0 WHERE weight != 0", now;
    std::vector<Poco::Int64> hashes;
    std::vector<double> values;
    for (const auto& [hash, weight] : model.weights) {
        if (weight == 0) continue;
        hashes.push_back(stored(hash));
        values.push_back(weight);
    }
    if (!hashes.empty())
        session_ << "UPDATE bayes_tokens SET weight = ? WHERE hash = ?", use(values), use(hashes),
            now;
    double bias = model.bias, scale = calibration.scale, shift = calibration.shift;
    session_ << "UPDATE bayes_totals SET bias = ?, calibration_scale = ?, calibration_shift = ?,"
                " generation = generation + 1 WHERE id = 1",
        use(bias), use(scale), use(shift), now;
    tx.commit();
}

std::int64_t BayesStore::expire(int days, std::int64_t at, std::int64_t max_count) {
    constexpr std::int64_t kDay = 86400;
    store::WriteTransaction tx(session_);
    Poco::Int64 b = at - days * kDay, m = max_count, s = at - std::max(days, 365) * kDay;
    Poco::Data::Statement remove(session_);
    remove << "DELETE FROM bayes_tokens WHERE last_seen < ? AND spam + ham <= ?", use(b), use(m);
    std::int64_t removed = static_cast<std::int64_t>(remove.execute());
    session_ << "DELETE FROM bayes_seen WHERE learnt < ?", use(s), now;
    session_ << "DELETE FROM bayes_examples WHERE learnt < ?", use(s), now;
    if (removed)
        session_ << "UPDATE bayes_totals SET generation = generation + 1 WHERE id = 1", now;
    tx.commit();
    return removed;
}

}  // namespace moat::content
