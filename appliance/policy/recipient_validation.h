// Recipient validation per protected domain at RCPT time: valid when on the
// domain's list (validation.list) or accepted by the backend (validation.smtp).
// A backend's 5xx always refuses (550 5.1.1); an unvalidated recipient is refused
// only with validation.reject_nonvalidated, with a 4xx if the backend could not be
// asked (never a 5xx for an environment failure). Each outcome is a "validation" check.
#pragma once

#include <optional>
#include <vector>

#include "policy/callout.h"
#include "policy/check_record.h"
#include "policy/policy_cache.h"
#include "mail/address.h"
#include "mail/reply.h"
#include "store/domains.h"

namespace moat::policy {

// The refusal for rcpt (a recipient in domain), or nothing when it is accepted.
std::optional<mail::Reply> validateRecipient(const PolicySnapshot& snapshot,
                                             const store::Domain& domain, const mail::Address& rcpt,
                                             Callout& callout, std::vector<CheckRecord>& checks);

}  // namespace moat::policy
