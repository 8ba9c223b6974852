// The classifier's tables (migrations 4 and 6) as rows: bayes_tokens (per
// 64-bit token hash the learnt spam and ham messages it occurred in, its
// logistic weight, when last learnt), bayes_totals (message totals, logistic
// bias, calibration, a generation that moves on with every change),
// bayes_seen (learnt messages' digests) and bayes_examples (recent learnt
// messages' encoded tokens and character-model texts) and bayes_char_model
// (the character model the last retraining built, as bytes). What the numbers mean and how they are learnt is
// content/bayes_store's; this file only reads and writes them. Hashes are
// stored as the same 64 bits in SQLite's signed integers. Store failures throw.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::store {

struct BayesTokenRow {
    std::uint64_t hash = 0;
    std::int64_t spam = 0, ham = 0;
    double weight = 0;
};

struct BayesTotalsRow {
    std::int64_t spam_messages = 0, ham_messages = 0;
    double bias = 0, calibration_scale = 1, calibration_shift = 0, calibration_bayes_weight = 0.5;
    double calibration_char_weight = 0;
    int model_version = 0;  // what the weights, bias and calibration were trained as
};

struct BayesTokenStats {
    std::int64_t tokens = 0, oldest_seen = 0, newest_seen = 0;
};

BayesTotalsRow bayesTotals(Poco::Data::Session& session);
std::int64_t bayesGeneration(Poco::Data::Session& session);
std::int64_t bayesTokenCount(Poco::Data::Session& session);
BayesTokenStats bayesTokenStats(Poco::Data::Session& session);

// Every token row, in chunks, in no order.
void forEachBayesToken(Poco::Data::Session& session,
                       const std::function<void(const BayesTokenRow&)>& visit);
// The rows of the given hashes that exist.
std::vector<BayesTokenRow> findBayesTokens(Poco::Data::Session& session,
                                           const std::vector<std::uint64_t>& hashes);

// Counts one more spam (or ham) message for each hash, last learnt `at`
// (rows created as needed); or one fewer, rows left at 0/0 removed.
void addBayesCounts(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                    bool spam, std::int64_t at);
void removeBayesCounts(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                       bool spam);
// Adds delta (never below 0) to the spam or ham message total; moves the generation on.
void adjustBayesTotal(Poco::Data::Session& session, bool spam, int delta);

// A learnt message: the class it was learnt as, and whether its tokens are
// in the Bayes counts (a retraining leaves out those Bayes was already sure of).
struct BayesSeen {
    bool spam = false;
    bool counted = true;
};
std::optional<BayesSeen> bayesSeen(Poco::Data::Session& session, std::uint64_t digest);
// Records a message as learnt as `spam` and counted.
void markBayesSeen(Poco::Data::Session& session, std::uint64_t digest, bool spam, std::int64_t at);
void setBayesCounted(Poco::Data::Session& session, std::uint64_t digest, bool counted);
// Learnt messages per class, and how many of them are in the Bayes counts
// (digests expire after a year: older learning is in the totals only).
struct BayesLearnt {
    std::int64_t spam = 0, ham = 0, spam_counted = 0, ham_counted = 0;
};
BayesLearnt bayesLearnt(Poco::Data::Session& session);

// Keeps one learnt message's encoded features and character-model text, then
// drops all but the `keep` most recent.
void putBayesExample(Poco::Data::Session& session, std::uint64_t digest, bool spam, std::int64_t at,
                     std::string_view features, std::string_view text, std::int64_t keep);
std::int64_t bayesExampleCount(Poco::Data::Session& session);
// Every example in digest order: its digest, class, encoded features and text.
void forEachBayesExample(
    Poco::Data::Session& session,
    const std::function<void(std::uint64_t, bool, std::string_view features, std::string_view text)>& visit);

// Sets the weights of the given hashes (rows that exist) and the bias.
void setBayesWeights(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                     const std::vector<double>& weights);
void setBayesBias(Poco::Data::Session& session, double bias);
// What a retraining replaces, beside the token weights.
struct BayesModelRow {
    double bias = 0, scale = 1, shift = 0, bayes_weight = 0.5, char_weight = 0;
    int model_version = 0;
    std::string char_model;  // the character model's bytes; empty: none
};

// Replaces the whole model in one write transaction: every weight 0 but the
// given ones, bias, calibration and character model; moves the generation on.
void replaceBayesModel(Poco::Data::Session& session, const std::vector<std::uint64_t>& hashes,
                       const std::vector<double>& weights, const BayesModelRow& model);

// The character model's bytes as the last retraining stored them (nullopt:
// none), and a number that moves on with each one stored (0: none): copies
// compare it rather than read the bytes again.
std::optional<std::string> bayesCharModel(Poco::Data::Session& session);
std::int64_t bayesCharModelStamp(Poco::Data::Session& session);

// Removes tokens last learnt before token_before with spam + ham <= max_count,
// digests and examples learnt before seen_before; one write transaction.
// Returns the tokens removed.
std::int64_t expireBayes(Poco::Data::Session& session, std::int64_t token_before,
                         std::int64_t max_count, std::int64_t seen_before);

}  // namespace moat::store
