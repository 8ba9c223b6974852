// Backup and restore of the whole store (moatctl backup / restore). A backup
// is a consistent snapshot taken with SQLite's online backup API while the
// daemons run, with the header of backup_format.h. It holds configuration and
// learnt data; the message log, the archive index and their aggregates only
// when with_log. Never in a backup: this machine's queue, heartbeats and POP
// logins, and console sessions. A restore checks the file completely before
// it changes anything, then replaces the store's tables in place in one write
// transaction, leaving this machine's queue (and log, unless the backup has
// one) as they are and emptying console sessions. The running daemons see
// the new content at their next read and reload it as after any change (the
// policy and Bayes generations move past both stores'), so neither moat-smtpd
// nor the console has to stop: moatctl and the console's System page
// (api/backup_api) share this code.
#pragma once

#include "store/backup_format.h"
#include "store/store.h"

#include <string>

namespace moat::store {

// Writes a snapshot of `store` to `file` (mode 0600, replaced atomically).
BackupHeader writeBackup(const Store& store, const std::string& file, bool with_log);
// The same backup written to the open file `out` from its current offset (the
// console's download); the snapshot's scratch copy lives beside the store.
BackupHeader writeBackup(const Store& store, int out, bool with_log);

// Reads `file` and checks it (header, size, SHA-256, schema not newer than
// this build's) without changing anything; throws BackupFormatError.
BackupHeader verifyBackup(const std::string& file);
// The same for an open file read from offset 0; `name` is for messages.
BackupHeader verifyBackup(int in, const std::string& name);

// Replaces `store`'s content with the backup in `file`; on any error the
// store is left as it was. Throws BackupFormatError for a bad file and
// std::runtime_error for everything else (busy store, disk full).
BackupHeader restoreBackup(const Store& store, const std::string& file);
// The same for an open file read from offset 0 (the console's upload).
BackupHeader restoreBackup(const Store& store, int in, const std::string& name);

// The schema version this build creates (the last migration's).
int latestSchemaVersion();

}  // namespace moat::store
