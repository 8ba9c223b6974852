// moatctl's backup verbs: write the store to a backup file, check one, and
// restore one in place of the store (store/backup.h). They work on the
// database file as a whole, so they get the store, not a session on it.
#pragma once

#include "store/store.h"

#include <string>

namespace moat::moatctl {

// moatctl backup FILE [--with-log]
int backupWrite(const store::Store& store, const std::string& file, bool with_log);

// moatctl restore FILE [--check]: with --check, only verify FILE.
int backupRestore(const store::Store& store, const std::string& file, bool check_only);

}  // namespace moat::moatctl
