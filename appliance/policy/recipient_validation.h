// Recipient validation per protected domain, at RCPT time. A recipient is
// validated when it is on the domain's valid-address list (validation.list)
// or the backend accepts it (validation.smtp, asked by Callout). A backend's
// 5xx always refuses (550 5.1.1). A recipient nobody validated is refused
// only with validation.reject_nonvalidated, and with a 4xx when the backend
// could not be asked: an environment failure never becomes a 5xx. Every
// outcome is appended to `checks` as check "validation".
#pragma once

#include <optional>
#include <vector>

#include "policy/callout.h"
#include "policy/check_record.h"
#include "policy/policy_cache.h"
#include "smtp/address.h"
#include "smtp/reply.h"
#include "store/domains.h"

namespace moat::policy {

// The refusal for rcpt (a recipient in domain), or nothing when it is accepted.
std::optional<smtp::Reply> validateRecipient(const PolicySnapshot& snapshot,
                                             const store::Domain& domain, const smtp::Address& rcpt,
                                             Callout& callout, std::vector<CheckRecord>& checks);

}  // namespace moat::policy
