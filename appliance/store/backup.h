// Backup and restore of the whole store (moatctl backup / restore). A backup
// is a consistent snapshot taken with SQLite's online backup API while the
// daemons run, with the header of backup_format.h. It holds configuration and
// learnt data; the message log, the archive index and their aggregates only
// when with_log. Never in a backup: this machine's queue, heartbeats and POP
// logins, and console sessions. A restore checks the file completely before
// it changes anything, then swaps a new database file in by rename, carrying
// over the current store's queue (and log, unless the backup has one). It
// refuses while moat-smtpd holds the gateway lock; the other daemons must be
// restarted after it.
#pragma once

#include "store/backup_format.h"
#include "store/store.h"

#include <string>

namespace moat::store {

// Writes a snapshot of `store` to `file` (mode 0600, replaced atomically).
BackupHeader writeBackup(const Store& store, const std::string& file, bool with_log);

// Reads `file` and checks it (header, size, SHA-256, schema not newer than
// this build's) without changing anything; throws BackupFormatError.
BackupHeader verifyBackup(const std::string& file);

// Replaces `store`'s database with the backup in `file`; on any error the
// store is left as it was. Throws BackupFormatError for a bad file and
// std::runtime_error for everything else.
BackupHeader restoreBackup(const Store& store, const std::string& file);

// The schema version this build creates (the last migration's).
int latestSchemaVersion();

}  // namespace moat::store
