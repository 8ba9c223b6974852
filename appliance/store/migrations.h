// Every schema change of the store, in order. The store applies those whose
// version is above the database's (PRAGMA user_version) in one transaction
// each; a released migration is never edited, only followed by a new one.
#pragma once

#include <vector>

namespace moat::store {

struct Migration {
    int version;
    const char* description;
    std::vector<const char*> statements;
};

const std::vector<Migration>& migrations();

}  // namespace moat::store
