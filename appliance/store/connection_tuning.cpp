#include "store/connection_tuning.h"

#include <string>

using namespace Poco::Data::Keywords;

namespace moat::store {

void setBusyTimeout(Poco::Data::Session& session, int milliseconds) {
    session << "PRAGMA busy_timeout = " + std::to_string(milliseconds), now;
}

void tuneForBulkWrites(Poco::Data::Session& session, int cache_mib) {
    session << "PRAGMA synchronous = NORMAL", now;
    session << "PRAGMA cache_size = " + std::to_string(-1024 * cache_mib), now;
}

}  // namespace moat::store
