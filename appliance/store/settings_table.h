// The settings table: global setting values as administrators stored them
// (key → text). Validation and defaults are policy/settings'; this file only
// reads and writes rows. Per-domain overrides live in domains.options
// (store/domains.h, setDomainOptions). Store failures throw.
#pragma once

#include <Poco/Data/Session.h>

#include <map>
#include <string>

namespace moat::store {

// Every stored global setting.
std::map<std::string, std::string> storedGlobalSettings(Poco::Data::Session& session);

// Inserts or replaces one global value (the caller has validated it).
void putGlobalSetting(Poco::Data::Session& session, const std::string& key,
                      const std::string& value);

// Removes a global value; false when none was stored.
bool deleteGlobalSetting(Poco::Data::Session& session, const std::string& key);

}  // namespace moat::store
