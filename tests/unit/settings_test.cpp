// Policy settings: validation, defaults, global values and per-domain overrides in the store.
#include "policy/settings.h"
#include "store/domains.h"
#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.h"

using namespace moat;

TEST(Settings, ValidationNormalisesAndRefuses) {
    EXPECT_EQ(policy::validateSetting("greylist.enabled", "On"), "yes");
    EXPECT_EQ(policy::validateSetting("greylist.delay", "5m"), "300");
    EXPECT_EQ(policy::validateSetting("greylist.window", "4h"), "14400");
    EXPECT_THROW(policy::validateSetting("greylist.delay", "soon"), std::invalid_argument);
    EXPECT_THROW(policy::validateSetting("greylist.delay", "-1"), std::invalid_argument);
    EXPECT_THROW(policy::validateSetting("greylist.window", "1"), std::invalid_argument);
    EXPECT_THROW(policy::validateSetting("no.such.key", "1"), std::invalid_argument);
}

TEST(Settings, DefaultsThenGlobalThenDomain) {
    moat::test::TempDir dir("moat-settings");
    auto path = dir.path / "moat.db";
    auto store = store::Store::open("sqlite:" + path.string());
    auto session = store->connect();
    store::addDomain(session, "example.test", "127.0.0.1", 25);
    store::addDomain(session, "other.test", "127.0.0.1", 25);

    auto s = policy::Settings::load(session);
    EXPECT_FALSE(s.boolean("greylist.enabled", "example.test"));
    EXPECT_EQ(s.seconds("greylist.delay").count(), 300);

    policy::setGlobalSetting(session, "greylist.enabled", "yes");
    policy::setDomainSetting(session, "EXAMPLE.test", "greylist.enabled", "no");
    policy::setDomainSetting(session, "example.test", "greylist.delay", "60");
    s = policy::Settings::load(session);
    EXPECT_FALSE(s.boolean("greylist.enabled", "example.test"));
    EXPECT_TRUE(s.boolean("greylist.enabled", "other.test"));
    EXPECT_TRUE(s.boolean("greylist.enabled"));
    EXPECT_EQ(s.integer("greylist.delay", "example.test"), 60);
    EXPECT_EQ(s.integer("greylist.delay", "other.test"), 300);

    EXPECT_TRUE(policy::unsetDomainSetting(session, "example.test", "greylist.enabled"));
    EXPECT_FALSE(policy::unsetDomainSetting(session, "example.test", "greylist.enabled"));
    EXPECT_TRUE(policy::unsetGlobalSetting(session, "greylist.enabled"));
    s = policy::Settings::load(session);
    EXPECT_FALSE(s.boolean("greylist.enabled", "example.test"));
    EXPECT_THROW(policy::setDomainSetting(session, "nowhere.test", "greylist.delay", "1"), std::invalid_argument);
}
