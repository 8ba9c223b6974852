#include "content_commands.h"

#include <Poco/Data/Statement.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <stdexcept>

#include "content/bayes_classifier.h"
#include "content/bayes_store.h"
#include "store/connection_tuning.h"
#include "content/content_score.h"
#include "content/heuristics.h"
#include "content/mbox_reader.h"
#include "content/message_score.h"
#include "content/mime_decoder.h"
#include "content/token_table.h"
#include "dns/resolver.h"
#include "policy/content_filter.h"
#include "policy/settings.h"
#include "store/dns_zones.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/time_text.h"

namespace moat::moatctl {
namespace {

namespace fs = std::filesystem;

// A message read from a path: a label to print and its bytes.
using MessageSink = std::function<void(const std::string& label, const std::string& bytes)>;

constexpr std::size_t kMaxMessageBytes = content::DecodeLimits{}.max_message_bytes;

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::string bytes;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        std::size_t n = static_cast<std::size_t>(in.gcount());
        if (bytes.size() + n > kMaxMessageBytes) {
            bytes.append(buffer, kMaxMessageBytes - bytes.size());
            break;  // the decoder notes the size limit
        }
        bytes.append(buffer, n);
    }
    if (in.bad()) throw std::runtime_error("error reading " + path.string());
    return bytes;
}

bool isMbox(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    char start[5] = {};
    return in.read(start, 5) && std::string_view(start, 5) == "From ";
}

void readMbox(const fs::path& path, const MessageSink& sink) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::size_t index = 0;
    content::MboxReader reader(
        [&](std::string message, bool /*truncated*/) {
            sink(path.string() + ":" + std::to_string(++index), message);
        },
        kMaxMessageBytes);
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        reader.feed(std::string_view(buffer, static_cast<std::size_t>(in.gcount())));
    if (in.bad()) throw std::runtime_error("error reading " + path.string());
    reader.finish();
}

void readMaildir(const fs::path& dir, const MessageSink& sink) {
    std::vector<fs::path> files;
    for (const char* sub : {"cur", "new"}) {
        if (!fs::is_directory(dir / sub)) continue;
        for (const auto& entry : fs::directory_iterator(dir / sub)) {
            std::string name = entry.path().filename().string();
            if (!name.empty() && name[0] != '.' && entry.is_regular_file())
                files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) sink(f.string(), readFile(f));
}

// Calls sink for every message at path; a problem with the path throws.
void forEachMessage(const std::string& path, const MessageSink& sink) {
    fs::path p(path);
    std::error_code ec;
    auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) throw std::runtime_error("no such file or directory: " + path);
    if (fs::is_directory(status)) {
        if (!fs::is_directory(p / "cur") && !fs::is_directory(p / "new"))
            throw std::runtime_error(path + " is a directory but not a maildir (no cur/ or new/)");
        readMaildir(p, sink);
    } else if (isMbox(p)) {
        readMbox(p, sink);
    } else {
        sink(path, readFile(p));
    }
}

std::string plural(std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

int learnMessages(Poco::Data::Session& session, bool spam, const std::vector<std::string>& paths) {
    // Bulk training: no fsync per learnt message and a page cache that holds
    // the token table's hot pages (hashes land all over the B-tree). Several
    // times faster on big corpora.
    store::tuneForBulkWrites(session, 128);
    content::BayesStore store(session);
    content::BayesClassifier classifier(store);
    // Messages per write transaction: they share most token pages.
    constexpr std::int64_t kLearnBatch = 500;
    std::int64_t learnt = 0, known = 0, moved = 0;
    int rc = 0;
    std::int64_t now = util::policyNow();
    for (const auto& path : paths) {
        try {
            forEachMessage(path, [&](const std::string&, const std::string& bytes) {
                auto message = content::decodeMessage(bytes);
                if ((learnt + known + moved) % kLearnBatch == 0) {
                    store.commitBatch();
                    store.beginBatch();
                }
                switch (classifier.learn(message, spam, now, /*step=*/false)) {
                    case content::LearnOutcome::learnt:
                        ++learnt;
                        break;
                    case content::LearnOutcome::already_known:
                        ++known;
                        break;
                    case content::LearnOutcome::relearnt:
                        ++moved;
                        break;
                }
            });
        } catch (const std::runtime_error& e) {
            std::cerr << "moatctl: " << log::printable(e.what(), 300) << "\n";
            rc = 1;
        }
    }
    store.commitBatch();
    const char* as = spam ? "spam" : "ham";
    std::cout << "learnt " << plural(learnt + moved, "message", "messages") << " as " << as;
    if (moved) std::cout << " (" << moved << " moved from " << (spam ? "ham" : "spam") << ")";
    if (known) std::cout << ", " << known << " already learnt as " << as;
    std::cout << "\n";
    // A batch is retrained on rather than stepped through one message at a
    // time: the model then does not depend on the order messages were learnt in.
    if (learnt + moved > 0) {
        if (std::size_t examples = classifier.retrain())
            std::cout << "retrained the classifier on "
                      << plural(static_cast<std::int64_t>(examples), "message", "messages") << "\n";
        else
            std::cout << "the classifier is retrained once both spam and ham have been learnt\n";
    }
    return rc;
}

int scoreMessages(const config::Config& config, Poco::Data::Session& session,
                  const std::vector<std::string>& paths) {
    content::BayesStore store(session);
    // Many messages: one read of the whole model beats a query per message.
    auto table = paths.size() > 1 || fs::is_directory(paths.front())
                     ? content::TokenTable::load(store)
                     : nullptr;
    // One message: from the store's tables (and its character model, read once).
    auto classifier = table ? content::BayesClassifier(store, table) : content::BayesClassifier(store);
    auto settings = policy::Settings::load(session);
    auto limits = policy::strictestThresholds(settings, {});
    auto zones = policy::withSettingZones(store::listDnsZones(session), settings);
    dns::Options dns_options;  // the gateway's DNS, for the URI blocklists
    for (const auto& s : config.dns_servers) dns_options.servers.push_back({s.host, s.port});
    dns_options.timeout = config.dns_timeout;
    dns::Resolver resolver(dns_options);
    int rc = 0;
    for (const auto& path : paths) {
        try {
            forEachMessage(path, [&](const std::string& label, const std::string& bytes) {
                auto message = content::decodeMessage(bytes);
                // The gateway's own functions; only the SMTP-time part is missing here.
                // A stored message's dates are judged as of when it arrived; without
                // a Received: field that is unknown, and its Date's age is not judged.
                auto at = content::receivedTime(message);
                auto result = content::scoreMessage(bytes, message, classifier, at);
                if (!result.gtube) {
                    auto uribl = policy::uriblPart(resolver, zones, result.uri_hosts, limits);
                    result.parts.insert(result.parts.end(), uribl.parts.begin(), uribl.parts.end());
                }
                double score = result.total();
                auto verdict = result.gtube
                                   ? content::ContentVerdict::reject
                                   : content::contentVerdict(score, limits.tag, limits.reject);
                // Full precision: rankings (ROC curves) need scores without ties.
                char text[32];
                std::snprintf(text, sizeof text, "%.6f", score);
                std::cout << log::printable(label, 1000) << " " << text << " "
                          << content::verdictName(verdict) << "\n";
            });
        } catch (const std::runtime_error& e) {
            std::cerr << "moatctl: " << log::printable(e.what(), 300) << "\n";
            rc = 1;
        }
    }
    return rc;
}

int bayesStats(Poco::Data::Session& session) {
    content::BayesStore store(session);
    auto t = store.totals();
    auto k = store.tokenStats();
    auto l = store.learnt();
    auto chars = store.charModel();
    const std::string characters =
        chars ? std::to_string(chars->entries()) + " keys (" + std::to_string(chars->memoryBytes() >> 20) + " MB)"
              : std::string("none (until a retraining gives the character model a say)");
    // Learnt: what was taught. Counted: what Bayes counts (a retraining
    // leaves out what it was already sure of; learning older than the
    // digests' year is in the counts only).
    std::cout << "spam learnt    " << l.spam << "\n"
              << "ham learnt     " << l.ham << "\n"
              << "spam counted   " << t.spam_messages << "\n"
              << "ham counted    " << t.ham_messages << "\n"
              << "tokens         " << k.tokens << "\n"
              << "oldest token   " << util::localTimeText(k.oldest_seen) << "\n"
              << "newest token   " << util::localTimeText(k.newest_seen) << "\n"
              << "examples kept  " << store.exampleCount() << "\n"
              << "evidence       logistic + " << t.calibration.bayes_weight << " x Bayes logit + "
              << t.calibration.char_weight << " x characters\n"
              << "characters     " << characters << "\n"
              << "calibration    " << t.calibration.scale << " x evidence + " << t.calibration.shift
              << "\n";
    return 0;
}

int bayesRetrain(Poco::Data::Session& session) {
    content::BayesStore store(session);
    content::BayesClassifier classifier(store);
    std::size_t examples = classifier.retrain();
    std::cout << "retrained the classifier on "
              << plural(static_cast<std::int64_t>(examples), "message", "messages") << "\n";
    return 0;
}

int bayesExpire(Poco::Data::Session& session, const std::optional<std::string>& days_text) {
    int days = content::kExpireDays;
    if (days_text) {
        const std::string& d = *days_text;
        bool ok = !d.empty() && d.size() <= 5 &&
                  std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!ok)
            throw std::invalid_argument("invalid number of days '" + log::printable(d, 60) + "'");
        days = std::stoi(d);
    }
    content::BayesStore store(session);
    auto removed = store.expire(days, util::policyNow());
    std::cout << plural(removed, "token", "tokens") << " expired (unseen for " << days
              << " days, seen in at most " << content::kExpireMaxCount << " messages)\n";
    return 0;
}

}  // namespace moat::moatctl
