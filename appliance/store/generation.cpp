#include "store/generation.h"

using namespace Poco::Data::Keywords;

namespace moat::store {

long long policyGeneration(Poco::Data::Session& session) {
    Poco::Int64 n = 0;
    session << "SELECT n FROM generation WHERE id = 1", into(n), now;
    return n;
}

}  // namespace moat::store
