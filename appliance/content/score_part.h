// One part of a message's content score: a short name for headers and logs
// ("bayes", "missing-date"), the points it adds (negative ones subtract) and
// a sentence a person understands. The score is the sum of its parts, so
// every decision can be explained part by part.
#pragma once

#include <string>

namespace moat::content {

struct ScorePart {
    std::string name;
    double points = 0;
    std::string reason;
};

}  // namespace moat::content
