// The API's authentication and account resources (docs/console-api.md,
// "Authentication", "Users and tokens"): login, logout, session, first-run,
// users (admin), one's own API tokens, the audit log (admin). Registered on
// the same router as api::registerApi's resources. Every change is audited.
#pragma once

#include "web/router.h"

namespace moat::web {

void registerAuthApi(Router& router);

}  // namespace moat::web
