// The client_events table: what the rate limits noticed about a client IP
// (slowed down, shut out), for the firewall agent and the administrator.
// Rows are written in batches by policy::ClientCounters.
#pragma once

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

namespace moat::store {

struct ClientEventRow {
    long long id = 0, ts = 0;
    std::string ip, kind, detail;
};

// Events at or after `since` (epoch seconds), oldest first.
std::vector<ClientEventRow> listClientEvents(Poco::Data::Session& session, long long since);

// Appends the events (their ids ignored) in one write transaction.
void appendClientEvents(Poco::Data::Session& session, const std::vector<ClientEventRow>& events);

}  // namespace moat::store
