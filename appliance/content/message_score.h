// The content score of one message, shared by the gateway and `moatctl
// score`: GTUBE (certain spam), the classifier part (classifierScore) and the heuristic
// parts, plus any parts the caller adds (the SMTP-time score). The total is
// the sum of the parts; summary() is what X-Moat-Score shows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/bayes_classifier.h"
#include "content/decoded_message.h"
#include "content/score_part.h"

namespace moat::content {

struct MessageScore {
    std::vector<ScorePart> parts;  // bayes first, then heuristics, then the caller's
    bool gtube = false;            // reject outright, whatever the thresholds
    // The hosts of its links (uri_extractor.h), scanned once for the heuristics
    // and kept for the caller's URI blocklist lookups; none for GTUBE.
    std::vector<std::string> uri_hosts;

    double total() const;
    // "7.3 (bayes +4.1, missing-date +1, smtp-time +0)".
    std::string summary() const;
    // The reasons of the (at most max) parts adding the most points, "; "-separated.
    std::string topReasons(std::size_t max = 3) const;
};

// Scores raw (as received) and its decoding; now: when it arrived, seconds
// since the epoch (nothing: unknown, its Date's age is not judged; heuristics.h).
MessageScore scoreMessage(std::string_view raw, const DecodedMessage& message,
                          BayesClassifier& classifier, std::optional<std::int64_t> now);
// The same from the decoding alone; raw_gtube: the raw bytes contain GTUBE
// (as a content view carries it, content_view.h).
MessageScore scoreMessage(const DecodedMessage& message, bool raw_gtube, BayesClassifier& classifier,
                          std::optional<std::int64_t> now);

// The classifier part's sentence ("its content is typical of spam (classifier 99.9990%)").
std::string classifierReason(const BayesResult& result);

// A score as shown: at most two decimals, no trailing zeros ("7.3", "10", "-2.25").
std::string formatScore(double score);

}  // namespace moat::content
