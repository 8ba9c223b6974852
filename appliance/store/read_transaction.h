// A read transaction (deferred BEGIN … COMMIT): every query inside sees the
// same snapshot of the store, so a reload that reads several tables cannot mix
// two states of it. Ended (rolled back: it wrote nothing) if not finished.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

namespace moat::store {

class ReadTransaction {
  public:
    explicit ReadTransaction(Poco::Data::Session& session) : session_(session) {
        session_ << "BEGIN", Poco::Data::Keywords::now;
    }
    ~ReadTransaction() {
        if (finished_) return;
        try {
            session_ << "ROLLBACK", Poco::Data::Keywords::now;
        } catch (const Poco::Exception&) {  // nothing was written; the connection ends the snapshot
        }
    }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;
    void finish() {
        session_ << "COMMIT", Poco::Data::Keywords::now;
        finished_ = true;
    }

  private:
    Poco::Data::Session& session_;
    bool finished_ = false;
};

}  // namespace moat::store
