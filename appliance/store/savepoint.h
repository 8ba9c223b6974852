// A savepoint inside an open transaction: released by release(), rolled back
// to (and released) if destroyed without it, so one unit of work inside a
// batch transaction stays atomic without ending the batch.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <string>

namespace moat::store {

class Savepoint {
  public:
    Savepoint(Poco::Data::Session& session, std::string name)
        : session_(session), name_(std::move(name)) {
        session_ << "SAVEPOINT " + name_, Poco::Data::Keywords::now;
    }
    ~Savepoint() {
        if (released_) return;
        try {
            session_ << "ROLLBACK TO " + name_, Poco::Data::Keywords::now;
            session_ << "RELEASE " + name_, Poco::Data::Keywords::now;
        } catch (const Poco::Exception&) {  // the enclosing transaction's rollback undoes it
        }
    }
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;
    void release() {
        session_ << "RELEASE " + name_, Poco::Data::Keywords::now;
        released_ = true;
    }

  private:
    Poco::Data::Session& session_;
    std::string name_;
    bool released_ = false;
};

}  // namespace moat::store
