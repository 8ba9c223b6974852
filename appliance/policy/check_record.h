// One policy check's outcome in a transaction, as kept in the message log so
// every decision can be explained: which check ran, what it found, the score
// it added and a sentence a person understands.
#pragma once

#include <string>
#include <vector>

#include "policy/check_result.h"

namespace moat::policy {

struct CheckRecord {
    std::string check;   // "relay", "list", "greylist", ...
    CheckResult result = CheckResult::pass;
    double score = 0;
    std::string detail;  // plain words, e.g. "sender a@b.example is on the domain's deny list"
};

// A JSON array of {"check","result","score","detail"} objects.
std::string toJson(const std::vector<CheckRecord>& records);

}  // namespace moat::policy
