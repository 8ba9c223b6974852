#include "api/api.h"

namespace moat::api {

void registerApi(web::Router& router) {
    (void)router;  // resources register here as they are written
}

}  // namespace moat::api
