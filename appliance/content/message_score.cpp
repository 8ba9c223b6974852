#include "content/message_score.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "content/content_score.h"
#include "content/gtube.h"
#include "content/heuristics.h"
#include "content/uri_extractor.h"

namespace moat::content {

double MessageScore::total() const {
    double sum = 0;
    for (const auto& p : parts) sum += p.points;
    return sum;
}

std::string formatScore(double score) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.2f", std::round(score * 100.0) / 100.0 + 0.0);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

std::string MessageScore::summary() const {
    std::string out = formatScore(total()) + " (";
    bool first = true;
    for (const auto& p : parts) {
        out += first ? "" : ", ";
        first = false;
        std::string points = formatScore(p.points);
        out += p.name + " " + (points[0] == '-' ? points : "+" + points);
    }
    return out + ")";
}

std::string MessageScore::topReasons(std::size_t max) const {
    std::vector<const ScorePart*> positive;
    for (const auto& p : parts)
        if (p.points > 0) positive.push_back(&p);
    std::stable_sort(positive.begin(), positive.end(),
                     [](const ScorePart* a, const ScorePart* b) { return a->points > b->points; });
    std::string out;
    for (std::size_t i = 0; i < positive.size() && i < max; ++i)
        out += (i ? "; " : "") + positive[i]->reason;
    return out.empty() ? "no single reason" : out;
}

std::string classifierReason(const BayesResult& result) {
    if (!result.trained) return "the content classifier is not trained yet";
    double p = result.probability;
    char percent[32];
    // Enough digits that 99.99% and 99.9999% read differently.
    std::snprintf(percent, sizeof percent, p >= 0.999 || p <= 0.001 ? "%.4f%%" : "%.1f%%",
                  p * 100.0);
    if (p >= kClassifierTagProbability)
        return std::string("its content is typical of spam (classifier ") + percent + ")";
    if (p > 0.5)
        return std::string("its content is somewhat like spam (classifier ") + percent + ")";
    return std::string("its content is typical of wanted mail (classifier ") + percent + ")";
}

MessageScore scoreMessage(std::string_view raw, const DecodedMessage& message,
                          BayesClassifier& classifier, std::optional<std::int64_t> now) {
    return scoreMessage(message, containsGtube(raw), classifier, now);
}

MessageScore scoreMessage(const DecodedMessage& message, bool raw_gtube, BayesClassifier& classifier,
                          std::optional<std::int64_t> now) {
    MessageScore score;
    if (raw_gtube || containsGtube(message)) {
        score.gtube = true;
        score.parts.push_back({"gtube", kGtubeScore, "the message contains the GTUBE test string"});
        return score;
    }
    auto bayes = classifier.classify(message);
    double points = classifierScore(bayes.probability);
    score.parts.push_back({"bayes", points, classifierReason(bayes)});
    score.uri_hosts = extractUriHosts(message);
    auto heuristics = heuristicParts(message, score.uri_hosts, now);
    score.parts.insert(score.parts.end(), heuristics.begin(), heuristics.end());
    return score;
}

}  // namespace moat::content
