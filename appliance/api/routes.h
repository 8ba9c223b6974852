// One register function per API resource (docs/console-api.md); registerApi
// calls them all. Each adds its routes to the router; each handler checks
// authorisation itself through the Principal.
#pragma once

#include "web/router.h"

namespace moat::api {

void registerDomainsApi(web::Router& router);         // /domains
void registerTestMessageApi(web::Router& router);     // /domains/{id}/test-message
void registerListsApi(web::Router& router);           // /lists
void registerValidAddressesApi(web::Router& router);  // /domains/{id}/valid-addresses
void registerRelaysApi(web::Router& router);          // /relay-networks, /pop-relayers
void registerLogApi(web::Router& router);             // /log
void registerArchiveApi(web::Router& router);         // /archive, /releases
void registerSettingsApi(web::Router& router);        // /settings
void registerZonesApi(web::Router& router);           // /zones
void registerStatsApi(web::Router& router);           // /stats
void registerSystemApi(web::Router& router);          // /system
void registerBackupApi(web::Router& router);          // /system/backup, /system/restore
void registerFirewallApi(web::Router& router);        // /firewall
void registerAuditApi(web::Router& router);           // /audit
void registerVocabularyApi(web::Router& router);      // /vocabulary
void registerMetricsApi(web::Router& router);         // /metrics (outside /api, docs/monitoring.md)

}  // namespace moat::api
