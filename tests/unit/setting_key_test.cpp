#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "policy/settings.h"

using moat::policy::kSettingSpecs;
using moat::policy::SettingKey;
using moat::policy::Settings;

TEST(SettingKey, LiteralsAreCheckedWhenCompiled) {
    // A literal that is not in the table does not build (see setting_key.h);
    // one that is reads its default.
    Settings s;
    EXPECT_EQ(s.integer("greylist.delay"), 300);
    EXPECT_EQ(SettingKey("greylist.delay").name(), "greylist.delay");
}

TEST(SettingKey, NamesFromDataAreCheckedAtRunTime) {
    EXPECT_EQ(SettingKey::named("dnsbl.action").name(), "dnsbl.action");
    EXPECT_THROW(SettingKey::named("dnsbl.acton"), std::logic_error);
}

TEST(SettingSpecs, KeysAreUniqueAndDefaultsValid) {
    std::set<std::string_view> seen;
    for (const auto& spec : kSettingSpecs) {
        EXPECT_TRUE(seen.insert(spec.key).second) << spec.key;
        if (spec.type == moat::policy::SettingSpec::Type::list && spec.default_value.empty())
            continue;
        EXPECT_NO_THROW(moat::policy::validateSetting(spec.key, spec.default_value)) << spec.key;
    }
}
