// The greylist's rows in the store (tables greylist and greylist_clients):
// triplets (client network, sender, recipient) with when they were first and
// last seen and whether they passed, and per client network the passes that
// count towards auto-whitelisting. Plain rows in, plain rows out; the
// decisions and the in-memory map are policy/greylist's. Store failures throw.
#pragma once

#include <Poco/Data/Session.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moat::store {

struct GreylistTriplet {
    std::string client_net, sender, recipient;
    std::int64_t first_seen = 0, last_seen = 0;
    bool passed = false;
};

struct GreylistClient {
    std::string client_net;
    std::int64_t passes = 0;
    std::int64_t last_seen = 0;
};

// Up to `limit` rows of each table, most recently seen first.
std::vector<GreylistTriplet> recentGreylistTriplets(Poco::Data::Session& session,
                                                    std::int64_t limit);
std::vector<GreylistClient> recentGreylistClients(Poco::Data::Session& session, std::int64_t limit);

// One triplet as stored (sender and recipient as the caller normalised them), if any.
std::optional<GreylistTriplet> findGreylistTriplet(Poco::Data::Session& session,
                                                   const std::string& net,
                                                   const std::string& sender,
                                                   const std::string& recipient);
// The passes counted for a client network (0 when it has no row).
std::int64_t greylistClientPasses(Poco::Data::Session& session, const std::string& net);

// In one write transaction: every triplet written as given (inserted or
// replaced), and every client's passes ADDED to its row (deltas, not totals:
// several gateways count into one row) with last_seen the later of the two.
void writeGreylist(Poco::Data::Session& session, const std::vector<GreylistTriplet>& triplets,
                   const std::vector<GreylistClient>& client_deltas);

// Removes passed triplets last seen before pass_before, unpassed ones first
// seen before unpassed_before, and clients last seen before pass_before.
// Returns the number of triplets removed.
std::size_t expireGreylist(Poco::Data::Session& session, std::int64_t pass_before,
                           std::int64_t unpassed_before);

}  // namespace moat::store
