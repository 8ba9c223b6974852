#include "content/bayes_store.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "content/feature_blob.h"
#include "store/bayes_tables.h"
#include "store/savepoint.h"
#include "store/write_transaction.h"

namespace moat::content {

BayesTotals BayesStore::totals() {
    auto row = store::bayesTotals(session_);
    Calibration calibration{row.calibration_scale, row.calibration_shift,
                            row.calibration_bayes_weight, row.calibration_char_weight};
    return BayesTotals{row.spam_messages, row.ham_messages, row.bias, calibration,
                       row.model_version};
}

std::int64_t BayesStore::tokenCount() {
    return store::bayesTokenCount(session_);
}

std::int64_t BayesStore::generation() {
    return store::bayesGeneration(session_);
}

void BayesStore::forEachToken(const std::function<void(TokenHash, const TokenCounts&)>& visit) {
    store::forEachBayesToken(session_, [&](const store::BayesTokenRow& r) {
        visit(r.hash, TokenCounts{r.spam, r.ham, static_cast<float>(r.weight)});
    });
}

TokenStats BayesStore::tokenStats() {
    auto s = store::bayesTokenStats(session_);
    return TokenStats{s.tokens, s.oldest_seen, s.newest_seen};
}

std::unordered_map<TokenHash, TokenCounts> BayesStore::lookup(
    const std::vector<TokenHash>& tokens) {
    std::unordered_map<TokenHash, TokenCounts> out;
    for (const auto& r : store::findBayesTokens(session_, tokens))
        out[r.hash] = TokenCounts{r.spam, r.ham, static_cast<float>(r.weight)};
    return out;
}

store::BayesLearnt BayesStore::learnt() {
    return store::bayesLearnt(session_);
}

void BayesStore::count(const std::vector<TokenHash>& tokens, bool spam, int delta,
                       std::int64_t at) {
    if (delta > 0)
        store::addBayesCounts(session_, tokens, spam, at);
    else
        store::removeBayesCounts(session_, tokens, spam);
    // A message without tokens still counts in the totals.
    store::adjustBayesTotal(session_, spam, delta);
}

LearnOutcome BayesStore::learn(TokenHash digest, const std::vector<TokenHash>& tokens,
                               std::string_view text, bool spam, std::int64_t at,
                               const std::optional<LogisticOptions>& options) {
    // One learnt message's changes: its own write transaction (BEGIN IMMEDIATE
    // waits its turn behind another writer), or a savepoint inside a batch's.
    std::optional<store::WriteTransaction> tx;
    std::optional<store::Savepoint> savepoint;
    if (batch_)
        savepoint.emplace(session_, "learn");
    else
        tx.emplace(session_);
    LearnOutcome outcome = LearnOutcome::learnt;
    if (auto previous = store::bayesSeen(session_, digest)) {
        if (previous->spam == spam) return LearnOutcome::already_known;
        // A message a retraining left out of the counts has none to take back.
        if (previous->counted) count(tokens, !spam, -1, at);
        outcome = LearnOutcome::relearnt;
    }
    count(tokens, spam, +1, at);
    store::markBayesSeen(session_, digest, spam, at);
    if (options) step(tokens, spam, *options);
    std::vector<TokenHash> features = tokens;  // the stored form needs them sorted, unique
    if (!std::is_sorted(features.begin(), features.end()) ||
        std::adjacent_find(features.begin(), features.end()) != features.end()) {
        std::sort(features.begin(), features.end());
        features.erase(std::unique(features.begin(), features.end()), features.end());
    }
    store::putBayesExample(session_, digest, spam, at, encodeFeatures(features), text,
                            kMaxExamples);
    if (tx) tx->commit();
    if (savepoint) savepoint->release();
    return outcome;
}

void BayesStore::step(const std::vector<TokenHash>& tokens, bool spam,
                      const LogisticOptions& options) {
    auto totals = store::bayesTotals(session_);
    // Weights of an older model version are not stepped on: the next retraining replaces them.
    if (totals.model_version != kLogisticModelVersion) return;
    auto known = lookup(tokens);
    double bias = totals.bias;
    auto weights = logisticStep(
        tokens, spam,
        [&](TokenHash h) {
            auto it = known.find(h);
            return it == known.end() ? 0.0 : static_cast<double>(it->second.weight);
        },
        bias, options);
    store::setBayesWeights(session_, tokens, std::vector<double>(weights.begin(), weights.end()));
    store::setBayesBias(session_, bias);
}

std::size_t BayesStore::setCounted(const std::vector<Example>& examples, const std::vector<bool>& selected,
                                   std::int64_t at) {
    if (selected.size() != examples.size()) throw std::invalid_argument("setCounted: one flag per example");
    std::optional<store::WriteTransaction> tx;
    std::optional<store::Savepoint> savepoint;
    if (batch_)
        savepoint.emplace(session_, "counted");
    else
        tx.emplace(session_);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        const Example& e = examples[i];
        auto seen = store::bayesSeen(session_, e.digest);
        // An example is always recorded as learnt, as its class; anything else
        // is not ours to correct here.
        if (!seen || seen->spam != e.spam || seen->counted == selected[i]) continue;
        count(e.features, e.spam, selected[i] ? +1 : -1, at);
        store::setBayesCounted(session_, e.digest, selected[i]);
        ++changed;
    }
    if (tx) tx->commit();
    if (savepoint) savepoint->release();
    return changed;
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
    return store::bayesExampleCount(session_);
}

std::vector<Example> BayesStore::examples() {
    std::vector<Example> out;
    store::forEachBayesExample(session_,
                               [&](std::uint64_t digest, bool spam, std::string_view blob,
                                   std::string_view text) {
                                   // A row that does not decode was not written by learn(): skip it
                                   // rather than train on garbage; retraining stays possible.
                                   if (auto features = decodeFeatures(blob))
                                       out.push_back({digest, spam, std::move(*features), std::string(text)});
                               });
    return out;
}

void BayesStore::storeModel(const LogisticWeights& model, const Calibration& calibration,
                            const CharScorer* chars) {
    std::vector<std::uint64_t> hashes;
    std::vector<double> values;
    for (const auto& [hash, weight] : model.weights) {
        if (weight == 0) continue;
        hashes.push_back(hash);
        values.push_back(weight);
    }
    store::BayesModelRow row;
    row.bias = model.bias;
    row.scale = calibration.scale;
    row.shift = calibration.shift;
    row.bayes_weight = calibration.bayes_weight;
    row.char_weight = chars ? calibration.char_weight : 0;
    row.model_version = kLogisticModelVersion;
    if (chars) row.char_model = chars->serialize();
    store::replaceBayesModel(session_, hashes, values, row);
}

std::optional<CharScorer> BayesStore::charModel() {
    auto bytes = store::bayesCharModel(session_);
    return bytes ? CharScorer::deserialize(*bytes) : std::nullopt;
}

std::int64_t BayesStore::charModelStamp() {
    return store::bayesCharModelStamp(session_);
}

std::int64_t BayesStore::expire(int days, std::int64_t at, std::int64_t max_count) {
    constexpr std::int64_t kDay = 86400;
    return store::expireBayes(session_, at - days * kDay, max_count,
                              at - std::max(days, 365) * kDay);
}

}  // namespace moat::content
