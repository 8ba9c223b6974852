// Policy settings: typed, validated key/value pairs. Global values live in the
// store's `settings` table; any key can be overridden per domain in that
// domain's options (a JSON object). Unknown keys and bad values are refused
// when set, so the daemon never meets one. A Settings object is an immutable
// snapshot; lookups for a domain fall back to the global value, then the default.
#pragma once

#include <Poco/Data/Session.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "policy/setting_key.h"
#include "policy/setting_specs.h"

namespace moat::policy {

const std::vector<SettingSpec>& settingSpecs();
const SettingSpec* findSetting(std::string_view key);

// The canonical text of a value for key ("yes"/"no", digits); throws
// std::invalid_argument naming the key and the accepted range otherwise.
std::string validateSetting(std::string_view key, std::string_view value);

class Settings {
public:
    Settings() = default;
    Settings(std::map<std::string, std::string> global,
             std::map<std::string, std::map<std::string, std::string>> per_domain)
        : global_(std::move(global)), per_domain_(std::move(per_domain)) {}

    // Loads the global table and every domain's overrides.
    static Settings load(Poco::Data::Session& session);

    std::string get(SettingKey key, std::string_view domain = {}) const;
    bool boolean(SettingKey key, std::string_view domain = {}) const;
    long long integer(SettingKey key, std::string_view domain = {}) const;
    std::chrono::seconds seconds(SettingKey key, std::string_view domain = {}) const {
        return std::chrono::seconds(integer(key, domain));
    }
    double number(SettingKey key, std::string_view domain = {}) const;
    std::vector<std::string> list(SettingKey key, std::string_view domain = {}) const;

private:
    std::map<std::string, std::string> global_;
    std::map<std::string, std::map<std::string, std::string>> per_domain_;  // lower-case domain -> overrides
};

// Store access (used by moatctl and the console).
void setGlobalSetting(Poco::Data::Session& session, std::string_view key, std::string_view value);
bool unsetGlobalSetting(Poco::Data::Session& session, std::string_view key);
void setDomainSetting(Poco::Data::Session& session, std::string_view domain, std::string_view key,
                      std::string_view value);
bool unsetDomainSetting(Poco::Data::Session& session, std::string_view domain, std::string_view key);

}  // namespace moat::policy
