#include "api/api.h"

#include "api/routes.h"

namespace moat::api {

void registerApi(web::Router& router) {
    registerDomainsApi(router);
    registerTestMessageApi(router);
    registerListsApi(router);
    registerValidAddressesApi(router);
    registerRelaysApi(router);
    registerLogApi(router);
    registerArchiveApi(router);
    registerSettingsApi(router);
    registerZonesApi(router);
    registerStatsApi(router);
    registerSystemApi(router);
    registerBackupApi(router);
    registerFirewallApi(router);
    registerAuditApi(router);
    registerVocabularyApi(router);
    registerMetricsApi(router);
}

}  // namespace moat::api
