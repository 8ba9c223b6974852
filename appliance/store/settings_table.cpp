#include "store/settings_table.h"

#include <vector>

using namespace Poco::Data::Keywords;

namespace moat::store {

std::map<std::string, std::string> storedGlobalSettings(Poco::Data::Session& session) {
    std::vector<std::string> keys, values;
    session << "SELECT key, value FROM settings", into(keys), into(values), now;
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i < keys.size(); ++i) out[keys[i]] = values[i];
    return out;
}

void putGlobalSetting(Poco::Data::Session& session, const std::string& key,
                      const std::string& value) {
    std::string k = key, v = value;
    session << "INSERT INTO settings (key, value) VALUES (?, ?)"
               " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        use(k), use(v), now;
}

bool deleteGlobalSetting(Poco::Data::Session& session, const std::string& key) {
    std::string k = key;
    session << "DELETE FROM settings WHERE key = ?", use(k), now;
    int changed = 0;
    session << "SELECT changes()", into(changed), now;
    return changed > 0;
}

}  // namespace moat::store
