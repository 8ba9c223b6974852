#include "store/bayes_tables.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/Statement.h>

#include <algorithm>

#include "store/write_transaction.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

Poco::Int64 stored(std::uint64_t h) {
    return static_cast<Poco::Int64>(h);
}
std::uint64_t loaded(Poco::Int64 v) {
    return static_cast<std::uint64_t>(v);
}

std::vector<Poco::Int64> storedAll(const std::vector<std::uint64_t>& hashes) {
    std::vector<Poco::Int64> out;
    out.reserve(hashes.size());
    for (auto h : hashes) out.push_back(stored(h));
    return out;
}

constexpr std::size_t kLookupBatch = 500;  // well under SQLite's bound-parameter limit

}  // namespace

BayesTotalsRow bayesTotals(Poco::Data::Session& session) {
    Poco::Int64 spam = 0, ham = 0;
    double bias = 0, scale = 1, shift = 0, bayes_weight = 0.5, char_weight = 0;
    int version = 0;
    session << "SELECT spam_messages, ham_messages, bias, calibration_scale, calibration_shift,"
               " calibration_bayes_weight, calibration_char_weight, model_version FROM bayes_totals WHERE id = 1",
        into(spam), into(ham), into(bias), into(scale), into(shift), into(bayes_weight), into(char_weight),
        into(version), now;
    return BayesTotalsRow{spam, ham, bias, scale, shift, bayes_weight, char_weight, version};
}

std::int64_t bayesGeneration(Poco::Data::Session& session) {
    Poco::Int64 n = 0;
    session << "SELECT generation FROM bayes_totals WHERE id = 1", into(n), now;
    return n;
}

std::int64_t bayesTokenCount(Poco::Data::Session& session) {
    Poco::Int64 n = 0;
    session << "SELECT count(*) FROM bayes_tokens", into(n), now;
    return n;
}

BayesTokenStats bayesTokenStats(Poco::Data::Session& session) {
    Poco::Int64 tokens = 0, oldest = 0, newest = 0;
    session << "SELECT count(*), coalesce(min(last_seen), 0), coalesce(max(last_seen), 0)"
               " FROM bayes_tokens",
        into(tokens), into(oldest), into(newest), now;
    return BayesTokenStats{tokens, oldest, newest};
}

void forEachBayesToken(Poco::Data::Session& session,
                       const std::function<void(const BayesTokenRow&)>& visit) {
    Poco::Data::Statement select(session);
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
            visit({loaded(hashes[i]), spam[i], ham[i], weight[i]});
    }
}

std::vector<BayesTokenRow> findBayesTokens(Poco::Data::Session& session,
                                           const std::vector<std::uint64_t>& hashes) {
    std::vector<BayesTokenRow> out;
    std::vector<Poco::Int64> batch;
    for (std::size_t start = 0; start < hashes.size(); start += kLookupBatch) {
        std::size_t n = std::min(kLookupBatch, hashes.size() - start);
        batch.clear();
        for (std::size_t i = 0; i < n; ++i) batch.push_back(stored(hashes[start + i]));
        std::string sql = "SELECT hash, spam, ham, weight FROM bayes_tokens WHERE hash IN (?";
        for (std::size_t i = 1; i < n; ++i) sql += ",?";
        sql += ")";
        std::vector<Poco::Int64> found, spam, ham;
        std::vector<double> weight;
        Poco::Data::Statement select(session);
        select << sql, into(found), into(spam), into(ham), into(weight);
        for (auto& h : batch) select, use(h);
        select.execute();
        for (std::size_t i = 0; i < found.size(); ++i)
            out.push_back({loaded(found[i]), spam[i], ham[i], weight[i]});
    }
    return out;
}

void addBayesCounts(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                    bool spam, std::int64_t at) {
    if (hashes.empty()) return;
    auto keys = storedAll(hashes);
    std::vector<Poco::Int64> ss(keys.size(), spam ? 1 : 0), hs(keys.size(), spam ? 0 : 1),
        ts(keys.size(), at);
    session << "INSERT INTO bayes_tokens (hash, spam, ham, last_seen) VALUES (?, ?, ?, ?)"
               " ON CONFLICT (hash) DO UPDATE SET spam = spam + excluded.spam,"
               " ham = ham + excluded.ham, last_seen = max(last_seen, excluded.last_seen)",
        use(keys), use(ss), use(hs), use(ts), now;
}

void removeBayesCounts(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                       bool spam) {
    if (hashes.empty()) return;
    auto keys = storedAll(hashes);
    if (spam)
        session << "UPDATE bayes_tokens SET spam = max(spam - 1, 0) WHERE hash = ?", use(keys), now;
    else
        session << "UPDATE bayes_tokens SET ham = max(ham - 1, 0) WHERE hash = ?", use(keys), now;
    session << "DELETE FROM bayes_tokens WHERE hash = ? AND spam = 0 AND ham = 0", use(keys), now;
}

void adjustBayesTotal(Poco::Data::Session& session, bool spam, int delta) {
    int d = delta;
    if (spam)
        session << "UPDATE bayes_totals SET spam_messages = max(spam_messages + ?, 0),"
                   " generation = generation + 1 WHERE id = 1",
            use(d), now;
    else
        session << "UPDATE bayes_totals SET ham_messages = max(ham_messages + ?, 0),"
                   " generation = generation + 1 WHERE id = 1",
            use(d), now;
}

std::optional<BayesSeen> bayesSeen(Poco::Data::Session& session, std::uint64_t digest) {
    Poco::Int64 key = stored(digest);
    std::vector<Poco::Int64> spam, counted;
    session << "SELECT spam, counted FROM bayes_seen WHERE digest = ?", use(key), into(spam), into(counted),
        now;
    if (spam.empty()) return std::nullopt;
    return BayesSeen{spam[0] != 0, counted[0] != 0};
}

void markBayesSeen(Poco::Data::Session& session, std::uint64_t digest, bool spam, std::int64_t at) {
    Poco::Int64 key = stored(digest), is_spam = spam ? 1 : 0, ts = at;
    session << "INSERT INTO bayes_seen (digest, spam, learnt, counted) VALUES (?, ?, ?, 1)"
               " ON CONFLICT (digest) DO UPDATE SET spam = excluded.spam, learnt = excluded.learnt,"
               " counted = 1",
        use(key), use(is_spam), use(ts), now;
}

BayesLearnt bayesLearnt(Poco::Data::Session& session) {
    std::vector<Poco::Int64> spam, counted, n;
    session << "SELECT spam, counted, count(*) FROM bayes_seen GROUP BY spam, counted", into(spam), into(counted),
        into(n), now;
    BayesLearnt out;
    for (std::size_t i = 0; i < n.size(); ++i) {
        (spam[i] ? out.spam : out.ham) += n[i];
        if (counted[i]) (spam[i] ? out.spam_counted : out.ham_counted) += n[i];
    }
    return out;
}

void setBayesCounted(Poco::Data::Session& session, std::uint64_t digest, bool counted) {
    Poco::Int64 key = stored(digest), value = counted ? 1 : 0;
    session << "UPDATE bayes_seen SET counted = ? WHERE digest = ?", use(value), use(key), now;
}

void putBayesExample(Poco::Data::Session& session, std::uint64_t digest, bool spam, std::int64_t at,
                     std::string_view features, std::string_view text, std::int64_t keep) {
    Poco::Int64 key = stored(digest), is_spam = spam ? 1 : 0, ts = at, kept = keep;
    Poco::Data::BLOB blob(reinterpret_cast<const unsigned char*>(features.data()), features.size());
    Poco::Data::BLOB text_blob(reinterpret_cast<const unsigned char*>(text.data()), text.size());
    session << "INSERT INTO bayes_examples (digest, spam, learnt, features, text) VALUES (?, ?, ?, ?, ?)"
               " ON CONFLICT (digest) DO UPDATE SET spam = excluded.spam,"
               " learnt = excluded.learnt, features = excluded.features, text = excluded.text",
        use(key), use(is_spam), use(ts), use(blob), use(text_blob), now;
    // Walks the learnt index: no sort of the whole table per message.
    session << "DELETE FROM bayes_examples WHERE digest IN (SELECT digest FROM bayes_examples"
               " ORDER BY learnt DESC LIMIT -1 OFFSET ?)",
        use(kept), now;
}

std::int64_t bayesExampleCount(Poco::Data::Session& session) {
    Poco::Int64 n = 0;
    session << "SELECT count(*) FROM bayes_examples", into(n), now;
    return n;
}

void forEachBayesExample(
    Poco::Data::Session& session,
    const std::function<void(std::uint64_t, bool, std::string_view, std::string_view)>& visit) {
    Poco::Data::Statement select(session);
    Poco::Int64 digest = 0, spam = 0;
    Poco::Data::BLOB blob, text;
    select << "SELECT digest, spam, features, text FROM bayes_examples ORDER BY digest", into(digest),
        into(spam), into(blob), into(text), range(0, 1);
    while (!select.done()) {
        if (select.execute() == 0) break;
        visit(loaded(digest), spam != 0,
              std::string_view(reinterpret_cast<const char*>(blob.rawContent()), blob.size()),
              std::string_view(reinterpret_cast<const char*>(text.rawContent()), text.size()));
    }
}

void setBayesWeights(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                     const std::vector<double>& weights) {
    if (hashes.empty()) return;
    auto keys = storedAll(hashes);
    std::vector<double> values = weights;
    session << "UPDATE bayes_tokens SET weight = ? WHERE hash = ?", use(values), use(keys), now;
}

void setBayesBias(Poco::Data::Session& session, double bias) {
    double b = bias;
    session << "UPDATE bayes_totals SET bias = ? WHERE id = 1", use(b), now;
}

void replaceBayesModel(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                       const std::vector<double>& weights, const BayesModelRow& model) {
    WriteTransaction tx(session);
    session << "UPDATE bayes_tokens SET weight = 0 WHERE weight != 0", now;
    setBayesWeights(session, hashes, weights);
    double b = model.bias, s = model.scale, sh = model.shift, w = model.bayes_weight, cw = model.char_weight;
    int version = model.model_version;
    session << "UPDATE bayes_totals SET bias = ?, calibration_scale = ?, calibration_shift = ?,"
               " calibration_bayes_weight = ?, calibration_char_weight = ?, model_version = ?,"
               " generation = generation + 1 WHERE id = 1",
        use(b), use(s), use(sh), use(w), use(cw), use(version), now;
    if (model.char_model.empty()) {
        session << "DELETE FROM bayes_char_model", now;
    } else {
        Poco::Data::BLOB bytes(reinterpret_cast<const unsigned char*>(model.char_model.data()),
                               model.char_model.size());
        // Stamped with the generation just reached: never one a copy already holds.
        session << "INSERT INTO bayes_char_model (id, model, stamp)"
                   " VALUES (1, ?, (SELECT generation FROM bayes_totals WHERE id = 1))"
                   " ON CONFLICT (id) DO UPDATE SET model = excluded.model, stamp = excluded.stamp",
            use(bytes), now;
    }
    tx.commit();
}

std::optional<std::string> bayesCharModel(Poco::Data::Session& session) {
    Poco::Data::BLOB bytes;
    Poco::Data::Statement select(session);
    select << "SELECT model FROM bayes_char_model WHERE id = 1", into(bytes);
    if (select.execute() == 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(bytes.rawContent()), bytes.size());
}

std::int64_t bayesCharModelStamp(Poco::Data::Session& session) {
    Poco::Int64 stamp = 0;
    session << "SELECT coalesce(max(stamp), 0) FROM bayes_char_model", into(stamp), now;
    return stamp;
}

std::int64_t expireBayes(Poco::Data::Session& session, std::int64_t token_before,
                         std::int64_t max_count, std::int64_t seen_before) {
    WriteTransaction tx(session);
    Poco::Int64 b = token_before, m = max_count, s = seen_before;
    Poco::Data::Statement remove(session);
    remove << "DELETE FROM bayes_tokens WHERE last_seen < ? AND spam + ham <= ?", use(b), use(m);
    auto removed = static_cast<std::int64_t>(remove.execute());
    session << "DELETE FROM bayes_seen WHERE learnt < ?", use(s), now;
    session << "DELETE FROM bayes_examples WHERE learnt < ?", use(s), now;
    if (removed) session << "UPDATE bayes_totals SET generation = generation + 1 WHERE id = 1", now;
    tx.commit();
    return removed;
}

}  // namespace moat::store
