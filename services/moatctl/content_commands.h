// moatctl's content verbs: learn messages as spam or ham, score messages, and
// the Bayes store's statistics and expiry. Each PATH is a message file, a
// maildir (its cur/ and new/), or an mbox (a file whose first line is a From_
// line). Per-path problems go to stderr and make the exit status 1; the other
// paths are still processed.
#pragma once

#include "config/config.h"

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <vector>

namespace moat::moatctl {

// moatctl learn --spam|--ham PATH...
int learnMessages(Poco::Data::Session& session, bool spam, const std::vector<std::string>& paths);

// moatctl score PATH...: one "LABEL SCORE VERDICT" line per message (the URI
// blocklists asked through [dns] servers, as the gateway does), where
// LABEL is the file (an mbox's messages: FILE:N, counting from 1).
int scoreMessages(const config::Config& config, Poco::Data::Session& session, const std::vector<std::string>& paths);

// moatctl bayes stats
int bayesStats(Poco::Data::Session& session);

// moatctl bayes retrain: the logistic model and its calibration from the
// stored examples (moatctl learn does this after every batch).
int bayesRetrain(Poco::Data::Session& session);

// moatctl bayes expire [DAYS]
int bayesExpire(Poco::Data::Session& session, const std::optional<std::string>& days);

}  // namespace moat::moatctl
