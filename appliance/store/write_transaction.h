// A write transaction taken at once (BEGIN IMMEDIATE), rolled back unless
// committed. A deferred BEGIN that reads first fails with SQLITE_BUSY, without
// waiting for busy_timeout, when another process writes meanwhile; an
// immediate one waits its turn. Not nestable: the store functions that open
// their own transaction (pasteValidAddresses, addListEntries) run outside it.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include "util/log.h"

namespace moat::store {

class WriteTransaction {
  public:
    explicit WriteTransaction(Poco::Data::Session& session) : session_(session) {
        session_ << "BEGIN IMMEDIATE", Poco::Data::Keywords::now;
    }
    ~WriteTransaction() {
        if (committed_) return;
        try {
            session_ << "ROLLBACK", Poco::Data::Keywords::now;
        } catch (const Poco::Exception& e) {  // the connection is discarded with the error anyway
            log::warning("store: rollback failed: " + e.displayText());
        }
    }
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit() {
        session_ << "COMMIT", Poco::Data::Keywords::now;
        committed_ = true;
    }

  private:
    Poco::Data::Session& session_;
    bool committed_ = false;
};

}  // namespace moat::store
