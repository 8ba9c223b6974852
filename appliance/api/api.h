// The console's JSON API under /api/v1 (docs/console-api.md, docs/openapi.yaml):
// every resource's handlers, registered on one router. Authentication, CSRF and
// Origin checks happen before dispatch (web/server); authorisation — what a
// role and a domain administrator's domains allow — is checked in each handler.
#pragma once

#include "web/router.h"

namespace moat::api {

void registerApi(web::Router& router);

}  // namespace moat::api
