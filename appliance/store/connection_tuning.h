// Per-connection SQLite settings for connections that are not the ordinary
// kind store::Store::connect() returns (10 s busy timeout, full sync).
#pragma once

#include <Poco/Data/Session.h>

namespace moat::store {

// How long this connection waits for another process's write lock before
// SQLITE_BUSY (short for reads on the SMTP path that can decide without the store).
void setBusyTimeout(Poco::Data::Session& session, int milliseconds);

// Bulk learning: WAL without an fsync per transaction (each stays atomic; a
// power cut may forget only the last few, which learning again puts back) and
// a page cache of cache_mib MiB for tables whose hot pages are scattered.
void tuneForBulkWrites(Poco::Data::Session& session, int cache_mib);

}  // namespace moat::store
