// classifier_lab: the content classifier trained and tested in memory on
// the SpamAssassin public corpus, for choosing its features, its model and
// its defaults in seconds rather than the hour bench/content_accuracy.py
// takes through moatctl. It runs the library's own training
// (content::trainClassifier) and scoring (classifyTokens, classifierScore,
// heuristicParts), so its figures are the gateway's; content_accuracy.py
// remains the benchmark of record. A measurement tool: it checks nothing.
//
// usage: classifier_lab CORPUS_DIR [split|cv|both] [--train-only|--train-grouped|--train-later|--fit-heuristics]...
//   CORPUS_DIR holds easy_ham/, easy_ham_2/, hard_ham/, spam/, spam_2/.
//   --train-only: cross-validation over the split's training set only (for
//   choosing defaults without looking at its test set). --train-later: within
//   the split's training set, the earliest 80% of each class (by first
//   Received: field; LAB_LATER_SHARE=0.5: half) train and the rest test
//   (drift, still without the test set).
//   --train-grouped: as --train-only, but the folds are by the From domain,
//   so that no sender is both learnt and judged (new senders, as later mail
//   brings them).
//   --fit-heuristics: as --train-only, then fits the heuristics' points on
//   those held-out scores (LAB_FIT_L2: the fit's regularisation, default 1);
//   with --train-grouped too, on the sender-grouped folds' scores.
// Environment (experiments; the defaults are the gateway's): LAB_RATE,
//   LAB_POWER (feature value n^-power), LAB_EPOCHS, LAB_ORDERS, LAB_DECAY (logistic model), LAB_BAYES_WEIGHT,
//   LAB_S, LAB_X, LAB_MIN_DISTANCE, LAB_CLUES, LAB_TONE (Bayes), LAB_NO_HEURISTICS, LAB_HEURISTICS_SCALE,
//   LAB_POINTS="name=factor,..." (one heuristic's points scaled);
//   LAB_NO_CALIBRATION=1 skips the held-out calibration (5 more trainings a
//   model: cross-validation in about 90 s instead of 400) — rankings of the
//   classifier alone are unchanged, the scores and the figures at the
//   defaults are then meaningless; LAB_WORST=N prints the N ham scored
//   highest and the N spam scored lowest; LAB_DUMP=FILE writes every
//   scored message (name, class, score, probability, heuristics);
//   LAB_EXPLAIN=NAME prints, for each scored message whose name contains NAME,
//   its 30 tokens of largest logistic weight and the weight summed by where
//   its tokens occur in the training messages (ham only, spam only, both);
//   LAB_TONE_LR=1 (with LAB_NO_CALIBRATION) trains the logistic model only
//   on the examples Bayes counts. LAB_STACKED=0: the Bayes weight fixed at
//   LAB_BAYES_WEIGHT (default 0.5) instead of fitted with the calibration
//   (with LAB_NO_CALIBRATION it is always fixed). The character model
//   (content/char_model.h) is the calibration's third input, as in the
//   gateway, unless LAB_NO_CHAR=1; LAB_CHAR_MIN, LAB_CHAR_MAX orders,
//   LAB_CHAR_BYTES read, LAB_CHAR_HEADER_BYTES of them header fields,
//   LAB_CHAR_DROP_FIELDS="date,message-id" fields it leaves out besides those
//   it never reads; with LAB_NO_CALIBRATION it is left out unless
//   LAB_CHAR_WEIGHT gives its weight. LAB_CHAR_GRAMS=N: the character text's
//   N-byte windows as tokens too (measured, not taken).
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "content/bayes_classifier.h"
#include "content/bayes_tokenizer.h"
#include "content/char_model.h"
#include "content/classifier_training.h"
#include "content/content_score.h"
#include "content/heuristics.h"
#include "content/mbox_reader.h"
#include "content/mime_decoder.h"
#include "content/tone_selection.h"
#include "util/ascii_text.h"

namespace {

using namespace moat;
using namespace moat::content;
namespace fs = std::filesystem;

fs::path g_corpus;  // for LAB_EXPLAIN

struct Item {
    std::string name;  // "spam_2/00001.…"
    std::string dir;
    bool spam = false;
    Example example;
    double heuristics = 0;
    std::vector<ScorePart> parts;  // the heuristic parts that fired
    std::int64_t time = 0;  // of its first Received: field (0: none)
    std::string sender;     // the From address's domain, last two labels (for --train-grouped)
};

// The character model (char_model.h) as the gateway builds it, unless
// LAB_NO_CHAR; its options from LAB_CHAR_MIN, LAB_CHAR_MAX, LAB_CHAR_BYTES.
bool charModelOn() { return std::getenv("LAB_NO_CHAR") == nullptr; }
CharModelOptions charOptions() {
    CharModelOptions o;
    if (const char* v = std::getenv("LAB_CHAR_MIN")) o.min_order = std::atoi(v);
    if (const char* v = std::getenv("LAB_CHAR_MAX")) o.max_order = std::atoi(v);
    if (const char* v = std::getenv("LAB_CHAR_BYTES")) o.max_bytes = static_cast<std::size_t>(std::atoi(v));
    if (const char* v = std::getenv("LAB_CHAR_HEADER_BYTES")) o.header_bytes = static_cast<std::size_t>(std::atoi(v));
    return o;
}

// The registrable-ish domain of a From field: its last two labels, lower-cased.
std::string senderDomain(const DecodedMessage& message) {
    const Header* from = message.header("from");
    if (!from) return "";
    std::string v = from->value;
    auto at = v.rfind('@');
    if (at == std::string::npos) return v;
    std::string d;
    for (std::size_t i = at + 1; i < v.size(); ++i) {
        char c = v[i];
        if (c == '>' || c == ' ' || c == ')' || c == '"' || c == ',') break;
        d.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    auto last = d.rfind('.');
    if (last != std::string::npos && last > 0) {
        auto before = d.rfind('.', last - 1);
        if (before != std::string::npos) d = d.substr(before + 1);
    }
    return d;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return std::move(s).str();
}

std::string firstMessage(std::string data) {
    if (data.rfind("From ", 0) != 0) return data;
    std::vector<std::string> out;
    MboxReader reader([&](std::string m, bool) { out.push_back(std::move(m)); });
    reader.feed(data);
    reader.finish();
    return out.empty() ? data : out.front();
}

int foldOf(const std::string& name, int folds) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), d);
    // Python's int.from_bytes(digest, "big") % folds, computed incrementally.
    unsigned r = 0;
    for (unsigned char c : d) r = (r * 256 + c) % static_cast<unsigned>(folds);
    return static_cast<int>(r);
}

// LAB_POINTS="name=factor,...": heuristic points scaled by name (for trying
// fitted points; mixed-scripts' two levels scale together).
double pointsScale(const std::string& name) {
    const char* env = std::getenv("LAB_POINTS");
    if (!env) return 1;
    std::string spec = env;
    for (std::size_t at = 0; at < spec.size();) {
        auto end = spec.find(',', at);
        if (end == std::string::npos) end = spec.size();
        auto item = spec.substr(at, end - at);
        auto eq = item.find('=');
        if (eq != std::string::npos && item.substr(0, eq) == name) return std::atof(item.c_str() + eq + 1);
        at = end + 1;
    }
    return 1;
}

// LAB_DROP="prefix,...": the message's tokens without those starting with one
// of the prefixes (for measuring what a family of tokens is worth).
std::vector<TokenHash> labFeatures(const DecodedMessage& message, const TokenizerLimits& limits) {
    const char* env = std::getenv("LAB_DROP");
    if (!env) return tokenHashes(message, limits);
    std::vector<std::string> prefixes;
    std::string spec = env;
    for (std::size_t at = 0; at <= spec.size();) {
        auto end = std::min(spec.find(',', at), spec.size());
        if (end > at) prefixes.push_back(spec.substr(at, end - at));
        at = end + 1;
    }
    auto tokens = tokenize(message, limits);
    std::erase_if(tokens, [&](const std::string& t) {
        return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return t.starts_with(p); });
    });
    return hashTokens(tokens);
}

struct Scored {
    double score;    // total content score
    double p;        // classifier probability
    bool spam;
    const Item* item = nullptr;
};

// With LAB_DUMP=FILE: every scored message, "name spam score p heuristics".
void dumpScores(const std::vector<Scored>& s) {
    const char* dump = std::getenv("LAB_DUMP");
    if (!dump) return;
    if (std::FILE* f = std::fopen(dump, "w")) {
        for (const auto& x : s)
            std::fprintf(f, "%s %d %.9g %.9g %.9g\n", x.item->name.c_str(), x.spam ? 1 : 0, x.score, x.p,
                         x.item->heuristics);
        std::fclose(f);
    }
}

// With LAB_WORST=N: the N ham scored highest and the N spam scored lowest
// (what costs the ranking), with their heuristics' share.
void printWorst(const std::vector<Scored>& s) {
    const char* env = std::getenv("LAB_WORST");
    if (!env) return;
    auto n = static_cast<std::size_t>(std::atoi(env));
    std::vector<const Scored*> ham, spam;
    for (const auto& x : s) (x.spam ? spam : ham).push_back(&x);
    std::sort(ham.begin(), ham.end(), [](auto a, auto b) { return a->score > b->score; });
    std::sort(spam.begin(), spam.end(), [](auto a, auto b) { return a->score < b->score; });
    for (std::size_t i = 0; i < n && i < ham.size(); ++i)
        std::printf("  worst ham  %-28s score %7.3f p %.6f heur %.2f\n", ham[i]->item->name.c_str(), ham[i]->score,
                    ham[i]->p, ham[i]->item->heuristics);
    for (std::size_t i = 0; i < n && i < spam.size(); ++i)
        std::printf("  worst spam %-28s score %7.3f p %.6f heur %.2f\n", spam[i]->item->name.c_str(), spam[i]->score,
                    spam[i]->p, spam[i]->item->heuristics);
}

struct Metrics {
    double one_minus_auc = 0, at01 = 0, at1 = 0;
    double ham_rejected = 0, ham_tagged = 0, spam_tagged = 0;
    std::size_t ham = 0, spam = 0;
};

double caughtAt(const std::vector<Scored>& s, double fp_share) {
    std::vector<double> ham, spam;
    for (const auto& x : s) (x.spam ? spam : ham).push_back(x.score);
    std::sort(ham.rbegin(), ham.rend());
    auto allowed = static_cast<std::size_t>(fp_share * static_cast<double>(ham.size()));
    // Threshold just above the (allowed+1)-th highest ham.
    double threshold = allowed < ham.size() ? ham[allowed] : -1e300;
    std::size_t caught = 0;
    for (double v : spam)
        if (v > threshold) ++caught;
    return 100.0 * static_cast<double>(caught) / static_cast<double>(std::max<std::size_t>(spam.size(), 1));
}

Metrics metrics(const std::vector<Scored>& s) {
    Metrics m;
    std::vector<std::pair<double, bool>> v;
    for (const auto& x : s) v.emplace_back(x.score, x.spam);
    std::sort(v.begin(), v.end());
    // Rank-sum AUC with ties counted half.
    double rank_sum = 0;
    std::size_t i = 0;
    while (i < v.size()) {
        std::size_t j = i;
        while (j < v.size() && v[j].first == v[i].first) ++j;
        double avg = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t k = i; k < j; ++k)
            if (v[k].second) rank_sum += avg;
        i = j;
    }
    for (const auto& x : s) (x.spam ? m.spam : m.ham)++;
    double ns = static_cast<double>(m.spam), nh = static_cast<double>(m.ham);
    double auc = (rank_sum - ns * (ns + 1) / 2) / (ns * nh);
    m.one_minus_auc = 100.0 * (1 - auc);
    m.at01 = caughtAt(s, 0.001);
    m.at1 = caughtAt(s, 0.01);
    for (const auto& x : s) {
        auto verdict = contentVerdict(x.score);
        if (x.spam) {
            if (verdict != ContentVerdict::accept) m.spam_tagged += 1;
        } else {
            if (verdict == ContentVerdict::reject) m.ham_rejected += 1;
            if (verdict != ContentVerdict::accept) m.ham_tagged += 1;
        }
    }
    m.ham_rejected *= 100.0 / nh;
    m.ham_tagged *= 100.0 / nh;
    m.spam_tagged *= 100.0 / ns;
    return m;
}


// --fit-heuristics: SpamAssassin-style rescoring of the heuristics on held-out
// scores. Fits logit P(spam) = b + a × classifier points + Σ c_i × x_i by
// L2-regularised logistic regression (Newton steps), where x_i is heuristic
// i's shipped points over its largest shipped value (mixed-scripts' two
// levels stay in proportion; a part shipped at 0 is 1 when it fired);
// heuristic i's fitted points in the score's own units are then c_i / a ×
// its largest shipped value (what adds as much
// evidence as that many classifier points), floored at 0: a heuristic is
// evidence of spam or nothing.
void fitHeuristics(const std::vector<Scored>& s) {
    std::vector<std::string> names;
    std::vector<double> scale;
    for (const auto& x : s)
        for (const auto& part : x.item->parts) {
            auto at = std::find(names.begin(), names.end(), part.name);
            if (at == names.end()) {
                names.push_back(part.name);
                scale.push_back(part.points);
            } else {
                auto& v = scale[static_cast<std::size_t>(at - names.begin())];
                v = std::max(v, part.points);
            }
        }
    const std::size_t k = names.size() + 2;  // bias, classifier points, heuristics
    std::vector<std::vector<double>> rows;
    std::vector<double> y;
    for (const auto& x : s) {
        std::vector<double> r(k, 0.0);
        r[0] = 1;
        r[1] = x.score - x.item->heuristics;  // the classifier's points
        for (const auto& part : x.item->parts) {
            auto i = static_cast<std::size_t>(std::find(names.begin(), names.end(), part.name) - names.begin());
            r[i + 2] += scale[i] > 0 ? part.points / scale[i] : 1.0;  // a part shipped at 0: fired or not
        }
        rows.push_back(std::move(r));
        y.push_back(x.spam ? 1.0 : 0.0);
    }
    const double lambda = std::getenv("LAB_FIT_L2") ? std::atof(std::getenv("LAB_FIT_L2")) : 1.0;
    std::vector<double> w(k, 0.0);
    w[1] = 1;
    for (int iter = 0; iter < 50; ++iter) {
        std::vector<double> g(k, 0.0);
        std::vector<std::vector<double>> h(k, std::vector<double>(k, 0.0));
        for (std::size_t n = 0; n < rows.size(); ++n) {
            double z = 0;
            for (std::size_t i = 0; i < k; ++i) z += w[i] * rows[n][i];
            double p = 1 / (1 + std::exp(-z));
            for (std::size_t i = 0; i < k; ++i) {
                g[i] += (p - y[n]) * rows[n][i];
                for (std::size_t j = 0; j < k; ++j) h[i][j] += p * (1 - p) * rows[n][i] * rows[n][j];
            }
        }
        for (std::size_t i = 2; i < k; ++i) {
            g[i] += lambda * w[i];
            h[i][i] += lambda;
        }
        for (std::size_t i = 0; i < k; ++i) h[i][i] += 1e-9;
        // Solve h d = g (Gaussian elimination; k is small).
        std::vector<double> d = g;
        for (std::size_t c = 0; c < k; ++c) {
            std::size_t piv = c;
            for (std::size_t r = c + 1; r < k; ++r)
                if (std::fabs(h[r][c]) > std::fabs(h[piv][c])) piv = r;
            std::swap(h[c], h[piv]);
            std::swap(d[c], d[piv]);
            for (std::size_t r = 0; r < k; ++r) {
                if (r == c) continue;
                double f = h[r][c] / h[c][c];
                for (std::size_t j = c; j < k; ++j) h[r][j] -= f * h[c][j];
                d[r] -= f * d[c];
            }
        }
        double step = 0;
        for (std::size_t i = 0; i < k; ++i) {
            double di = d[i] / h[i][i];
            w[i] -= di;
            step = std::max(step, std::fabs(di));
        }
        if (step < 1e-7) break;
    }
    std::printf("fit: bias %.3f, per classifier point %.3f (L2 %.2f on the heuristics)\n", w[0], w[1], lambda);
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::size_t fired_ham = 0, fired_spam = 0;
        for (std::size_t n = 0; n < rows.size(); ++n)
            if (rows[n][i + 2] > 0) ++(y[n] > 0 ? fired_spam : fired_ham);
        std::printf("  %-20s shipped %.2f  fitted %6.2f points  (fires on %zu ham, %zu spam)\n", names[i].c_str(),
                    scale[i], std::max(0.0, w[i + 2] / w[1] * (scale[i] > 0 ? scale[i] : 1.0)), fired_ham,
                    fired_spam);
    }
}

void print(const char* label, const Metrics& m);
// The classifier's probability alone (heuristics left out) ranked.
void printClassifierOnly(const char* label, std::vector<Scored> s) {
    for (auto& x : s) x.score = x.p;
    // Where a tag probability would put ham and spam (the classifier alone).
    for (double t : {0.5, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99}) {
        double ham = 0, spam = 0, nh = 0, ns = 0;
        for (const auto& x : s) {
            (x.spam ? ns : nh) += 1;
            if (x.p >= t) (x.spam ? spam : ham) += 1;
        }
        std::printf("%-10s p >= %.2f: ham %.3f%%  spam %.2f%%\n", label, t, 100 * ham / nh, 100 * spam / ns);
    }
    auto m = metrics(s);
    std::printf("%-10s classifier alone: 1-AUC %.4f%%  @0.1%%FP %.2f%%  @1%%FP %.2f%%\n", label,
                m.one_minus_auc, m.at01, m.at1);
}
void print(const char* label, const Metrics& m) {
    std::printf("%-10s 1-AUC %.4f%%  @0.1%%FP %.2f%%  @1%%FP %.2f%%  ham rej %.3f%% tag %.3f%%  spam tag %.2f%%  (%zu ham, %zu spam)\n",
                label, m.one_minus_auc, m.at01, m.at1, m.ham_rejected, m.ham_tagged, m.spam_tagged, m.ham, m.spam);
}

// Trains on train, scores test: the gateway's path minus the store.
std::vector<Scored> trainAndScore(const std::vector<const Item*>& train,
                                  const std::vector<const Item*>& test, const BayesOptions& options) {
    std::vector<Example> examples;
    examples.reserve(train.size());
    for (const Item* it : train) examples.push_back(it->example);
    std::vector<const Example*> all;
    for (const auto& e : examples) all.push_back(&e);
    // LAB_NO_CALIBRATION: the logistic model alone, without the held-out
    // calibration (5 more trainings): for comparing rankings quickly.
    TrainedClassifier trained;
    if (std::getenv("LAB_NO_CALIBRATION")) {
        std::vector<const Example*> learnt = all;
        if (std::getenv("LAB_TONE_LR")) {
            // LAB_TONE_LR: the logistic model trained only on what Bayes counts.
            auto counted = toneSelection(all, options);
            learnt.clear();
            for (std::size_t i = 0; i < all.size(); ++i)
                if (counted[i]) learnt.push_back(all[i]);
        }
        trained.logistic = trainLogistic(learnt, options.logistic);
        trained.calibration.bayes_weight = options.bayes_weight;
        // LAB_CHAR_WEIGHT: the character model's weight, fixed (none without it).
        if (const char* w = std::getenv("LAB_CHAR_WEIGHT")) {
            trained.chars = charModelOf(all, options.chars);
            trained.calibration.char_weight = std::atof(w);
        }
    } else {
        trained = trainClassifier(examples, options);
        std::fprintf(stderr, "calibration: scale %.4f shift %.4f bayes weight %.4f char weight %.4f\n",
                     trained.calibration.scale, trained.calibration.shift, trained.calibration.bayes_weight,
                     trained.calibration.char_weight);
    }
    auto model = inMemoryModel(all, trained.logistic, options);
    model.totals.calibration = trained.calibration;
    auto& tokens = model.tokens;
    std::vector<Scored> out;
    for (const Item* it : test) {
        const bool chars = trained.chars && trained.calibration.char_weight != 0;
        auto r = model.classify(it->example.features, options, chars ? trained.chars->score(it->example.text) : 0.0);
        out.push_back({classifierScore(r.probability) + it->heuristics, r.probability, it->spam, it});
        if (const char* ex = std::getenv("LAB_EXPLAIN"); ex && it->name.find(ex) != std::string::npos) {
            // The message's 30 tokens of largest logistic weight, and their counts.
            auto message = decodeMessage(firstMessage(readFile(g_corpus / it->name)));
            std::vector<std::pair<double, TokenHash>> strongest;
            for (TokenHash h : it->example.features)
                if (auto f = tokens.find(h); f != tokens.end()) strongest.emplace_back(f->second.weight, h);
            std::sort(strongest.begin(), strongest.end(),
                      [](auto& a, auto& b) { return std::abs(a.first) > std::abs(b.first); });
            strongest.resize(std::min<std::size_t>(strongest.size(), 30));
            std::unordered_set<TokenHash> wanted;
            for (auto& [w, h] : strongest) wanted.insert(h);
            auto names = tokenNames(message, wanted);
            std::printf("explain %s: p %.4f bayes %.4f logit %.3f heur %.2f (%zu tokens, %zu known)\n", it->name.c_str(),
                        r.probability, r.bayes, r.logistic, it->heuristics, it->example.features.size(),
                        static_cast<std::size_t>(std::count_if(it->example.features.begin(), it->example.features.end(),
                                                               [&](TokenHash h) { return tokens.count(h) > 0; })));
            for (auto& [w, h] : strongest)
                std::printf("   %+7.3f  spam %4ld ham %4ld  %s\n", w, tokens[h].spam, tokens[h].ham, names[h].c_str());
            // Where the logit comes from: the weight summed by the training messages each token is in.
            std::unordered_map<TokenHash, std::pair<int, int>> df;  // (spam, ham) training messages
            for (TokenHash h : it->example.features) df[h];
            for (const Example* e : all)
                for (TokenHash h : e->features)
                    if (auto d = df.find(h); d != df.end()) (e->spam ? d->second.first : d->second.second)++;
            double sums[4] = {0, 0, 0, 0};
            int counts[4] = {0, 0, 0, 0};
            for (TokenHash h : it->example.features) {
                auto f = tokens.find(h);
                if (f == tokens.end()) continue;
                auto [sp, hm] = df[h];
                int k = sp == 0 ? 0 : hm == 0 ? 1 : (sp + hm <= 20 ? 2 : 3);
                sums[k] += f->second.weight;
                ++counts[k];
            }
            const char* kinds[4] = {"in ham only", "in spam only", "both, rare (<=20)", "both, common"};
            for (int k = 0; k < 4; ++k)
                std::printf("   %-20s %5d tokens, weight sum %+9.2f\n", kinds[k], counts[k], sums[k]);
        }
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: classifier_lab CORPUS_DIR [split|cv|both] [--train-only|--train-grouped|--train-later|--fit-heuristics]...\n");
        return 2;
    }
    fs::path corpus = argv[1];
    g_corpus = corpus;
    std::string mode = argc > 2 ? argv[2] : "both";
    auto flag = [&](const char* name) {
        for (int i = 3; i < argc; ++i)
            if (std::strcmp(argv[i], name) == 0) return true;
        return false;
    };
    bool train_only = flag("--train-only");
    bool train_later = flag("--train-later");
    bool fit_heuristics = flag("--fit-heuristics");
    bool train_grouped = flag("--train-grouped");
    train_only = train_only || fit_heuristics || train_grouped;
    const char* dirs[] = {"easy_ham", "easy_ham_2", "hard_ham", "spam", "spam_2"};
    std::vector<Item> items;
    auto t0 = std::chrono::steady_clock::now();
    TokenizerLimits limits;
    for (const char* d : dirs) {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(corpus / d)) {
            auto n = e.path().filename().string();
            if (n.size() > 6 && n[5] == '.') names.push_back(n);
        }
        std::sort(names.begin(), names.end());
        for (const auto& n : names) {
            Item it;
            it.dir = d;
            it.name = std::string(d) + "/" + n;
            it.spam = std::strncmp(d, "spam", 4) == 0;
            std::string raw = firstMessage(readFile(corpus / d / n));
            auto message = decodeMessage(raw);
            it.example.digest = messageDigest(message);
            it.example.spam = it.spam;
            it.example.features = labFeatures(message, limits);
            it.time = receivedTime(message).value_or(0);
            it.sender = senderDomain(message);
            if (charModelOn()) {
                // LAB_CHAR_DROP_FIELDS: the character text without those fields.
                DecodedMessage for_chars = message;
                if (const char* drop = std::getenv("LAB_CHAR_DROP_FIELDS")) {
                    const std::string list = std::string(",") + drop + ",";
                    std::erase_if(for_chars.headers, [&](const Header& h) {
                        return list.find("," + util::lowerAscii(h.name) + ",") != std::string::npos;
                    });
                }
                it.example.text = charModelText(for_chars, charOptions());
            }
            if (const char* g = std::getenv("LAB_CHAR_GRAMS")) {
                // Experiment: the character text's overlapping N-byte windows
                // as features of the token models too.
                const std::size_t n = static_cast<std::size_t>(std::atoi(g));
                const std::string text = charModelOn() ? it.example.text : charModelText(message, charOptions());
                for (std::size_t i = 0; n > 0 && i + n <= text.size(); ++i)
                    it.example.features.push_back(hashToken("c:" + text.substr(i, n)));
                sortUniqueHashes(it.example.features);
            }
            // As moatctl score: a stored message's dates are judged as of when it
            // arrived, and not at all when that is unknown.
            it.parts = heuristicParts(message, receivedTime(message));
            for (auto& part : it.parts) {
                part.points *= pointsScale(part.name);
                it.heuristics += part.points;
            }
            if (std::getenv("LAB_NO_HEURISTICS")) it.heuristics = 0;
            if (const char* v = std::getenv("LAB_HEURISTICS_SCALE")) it.heuristics *= std::atof(v);
            items.push_back(std::move(it));
        }
    }
    double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("loaded %zu messages in %.1f s\n", items.size(), load_s);
    BayesOptions options;
    if (const char* v = std::getenv("LAB_RATE")) options.logistic.rate = std::atof(v);
    if (const char* v = std::getenv("LAB_POWER")) options.logistic.feature_power = std::atof(v);
    if (const char* v = std::getenv("LAB_EPOCHS")) options.logistic.epochs = std::atoi(v);
    if (const char* v = std::getenv("LAB_BAYES_WEIGHT")) options.bayes_weight = std::atof(v);
    if (const char* v = std::getenv("LAB_STACKED")) options.stacked = std::atoi(v) != 0;
    if (const char* v = std::getenv("LAB_ORDERS")) options.logistic.orders = std::atoi(v);
    if (const char* v = std::getenv("LAB_DECAY")) options.logistic.decay = std::atof(v);
    if (const char* v = std::getenv("LAB_S")) options.strength = std::atof(v);
    if (const char* v = std::getenv("LAB_X")) options.prior = std::atof(v);
    if (const char* v = std::getenv("LAB_MIN_DISTANCE")) options.min_distance = std::atof(v);
    if (const char* v = std::getenv("LAB_TONE")) options.tone_band = std::atof(v);
    if (const char* v = std::getenv("LAB_CLUES")) options.max_clues = static_cast<std::size_t>(std::atoi(v));
    options.chars = charOptions();

    if (mode == "split" || mode == "both") {
        std::vector<const Item*> train, test;
        int hard = 0;
        for (const auto& it : items) {
            bool in_train = it.dir == "easy_ham" || it.dir == "spam" || (it.dir == "hard_ham" && hard++ < 125);
            (in_train ? train : test).push_back(&it);
        }
        if (train_later) {
            // Within the training set, by time: the earliest 80% (by their first
            // Received: field; LAB_LATER_SHARE another share) train, the rest
            // test — drift, as a gateway meets it, without looking at the test set.
            // Each class on its own: spam and ham were collected over different months.
            const char* share_env = std::getenv("LAB_LATER_SHARE");
            const double share = std::clamp(share_env ? std::atof(share_env) : 0.8, 0.1, 0.9);
            std::vector<const Item*> tr, te;
            for (bool spam : {false, true}) {
                std::vector<const Item*> dated;
                for (const Item* it : train)
                    if (it->time > 0 && it->spam == spam) dated.push_back(it);
                std::stable_sort(dated.begin(), dated.end(),
                                 [](const Item* a, const Item* b) { return a->time < b->time; });
                const auto cut = static_cast<std::size_t>(static_cast<double>(dated.size()) * share);
                tr.insert(tr.end(), dated.begin(), dated.begin() + static_cast<std::ptrdiff_t>(cut));
                te.insert(te.end(), dated.begin() + static_cast<std::ptrdiff_t>(cut), dated.end());
            }
            auto s = trainAndScore(tr, te, options);
            print("split-later", metrics(s));
            printClassifierOnly("split-later", s);
        } else if (train_only) {
            std::vector<Scored> all;
            for (int k = 0; k < 5; ++k) {
                std::vector<const Item*> tr, te;
                for (const Item* it : train)
                    (foldOf(train_grouped ? it->sender : it->name, 5) == k ? te : tr).push_back(it);
                auto s = trainAndScore(tr, te, options);
                all.insert(all.end(), s.begin(), s.end());
            }
            print("split-cv5", metrics(all));
            printClassifierOnly("split-cv5", all);
            dumpScores(all);
            printWorst(all);
            if (fit_heuristics) fitHeuristics(all);
        } else {
            auto t = std::chrono::steady_clock::now();
            auto s = trainAndScore(train, test, options);
            print("split", metrics(s));
            printClassifierOnly("split", s);
            dumpScores(s);
            printWorst(s);
            std::printf("  (%.1f s)\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
        }
    }
    if (mode == "cv" || mode == "both") {
        std::vector<Scored> all;
        auto t = std::chrono::steady_clock::now();
        // Folds are independent: two at a time.
        std::vector<std::vector<Scored>> per_fold(10);
        auto run = [&](int first) {
            for (int k = first; k < 10; k += 2) {
                std::vector<const Item*> tr, te;
                for (const auto& it : items) (foldOf(it.name, 10) == k ? te : tr).push_back(&it);
                per_fold[static_cast<std::size_t>(k)] = trainAndScore(tr, te, options);
            }
        };
        std::thread other(run, 1);
        run(0);
        other.join();
        for (auto& s : per_fold) all.insert(all.end(), s.begin(), s.end());
        print("cv10", metrics(all));
        printClassifierOnly("cv10", all);
        dumpScores(all);
        printWorst(all);
        std::printf("  (%.1f s)\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
    }
    return 0;
}
