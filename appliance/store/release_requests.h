// Requests to release an archived message (table release_requests): the
// console adds one (or finds the one its user still has pending for the entry),
// fixing the recipients it delivers to by the requester's scope; moat-smtpd's
// archive::ReleaseExecutor takes the pending ones oldest first and records how
// each ended. Only "pending" requests change.
#pragma once

#include <Poco/Data/Session.h>

#include <optional>
#include <string>
#include <vector>

#include "store/message_search.h"

namespace moat::store {

struct ReleaseRequest {
    long long id = 0, archive_id = 0;
    std::string requested_by;
    long long requested = 0;
    std::string status;  // pending | done | failed
    std::string queue_id, detail;
    long long finished = 0;
    std::string recipients;  // comma-separated: who this release delivers to
};

// The request `by` this user still pending for the entry.
std::optional<long long> pendingReleaseRequest(Poco::Data::Session& session, long long archive_id,
                                              const std::string& by);
// The new request's id. It delivers to the entry's recipients within `scope`
// (all of them for an administrator, a domain administrator's own otherwise);
// nothing when there are none.
std::optional<long long> addReleaseRequest(Poco::Data::Session& session, long long archive_id,
                                           const std::string& by, long long when,
                                           const RowScope& scope);
std::optional<ReleaseRequest> findReleaseRequest(Poco::Data::Session& session, long long id);
// Pending requests, oldest first, at most `limit`.
std::vector<ReleaseRequest> pendingReleaseRequests(Poco::Data::Session& session, int limit);
// Ends a pending request as done or failed.
void finishReleaseRequest(Poco::Data::Session& session, long long id, bool done,
                          const std::string& queue_id, const std::string& detail, long long when);

}  // namespace moat::store
