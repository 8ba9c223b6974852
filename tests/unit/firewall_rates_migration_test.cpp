// Migration 9 (store/migrations.cpp): a store that had one firewall.admin_rate
// for SSH and the console keeps that rate for each of firewall.ssh_rate and
// firewall.console_rate, and the old key is gone.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "policy/settings.h"
#include "store/migrations.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace Poco::Data::Keywords;

namespace {

// The version of the migration that split the rate (whatever number it got when merged).
int splitVersion() {
    for (const auto& m : moat::store::migrations())
        if (std::string(m.description).rfind("firewall: SSH and the console", 0) == 0) return m.version;
    return -1;
}

}  // namespace

TEST(FirewallRatesMigration, AdminRateBecomesTheSshAndConsoleRates) {
    moat::test::TempDir dir("moat-rates");
    auto path = dir.path / "moat.db";
    auto store = moat::store::Store::open("sqlite:" + path.string());
    EXPECT_GE(store->schemaVersion(), splitVersion());
    auto session = store->connect();
    // A store from before the split had one rate; the split's statements run on it as the store runs them.
    session << "INSERT INTO settings (key, value) VALUES ('firewall.admin_rate', '25')", now;
    const moat::store::Migration* split = nullptr;
    for (const auto& m : moat::store::migrations())
        if (m.version == splitVersion()) split = &m;
    ASSERT_TRUE(split);
    for (const char* statement : split->statements) session << statement, now;
    auto settings = moat::policy::Settings::load(session);
    EXPECT_EQ(settings.integer("firewall.ssh_rate"), 25);
    EXPECT_EQ(settings.integer("firewall.console_rate"), 25);
    int old = -1;
    session << "SELECT COUNT(*) FROM settings WHERE key = 'firewall.admin_rate'", into(old), now;
    EXPECT_EQ(old, 0);
    // Run again (a store where an administrator had already set the new keys): nothing is overwritten.
    session << "INSERT INTO settings (key, value) VALUES ('firewall.admin_rate', '99')", now;
    for (const char* statement : split->statements) session << statement, now;
    EXPECT_EQ(moat::policy::Settings::load(session).integer("firewall.ssh_rate"), 25);
}

TEST(FirewallRatesMigration, WithoutAnAdminRateTheDefaultsApply) {
    moat::test::TempDir dir("moat-rates-d");
    auto path = dir.path / "moat.db";
    auto store = moat::store::Store::open("sqlite:" + path.string());
    auto session = store->connect();
    auto settings = moat::policy::Settings::load(session);
    EXPECT_EQ(settings.integer("firewall.ssh_rate"), 10);
    EXPECT_EQ(settings.integer("firewall.console_rate"), 10);
    EXPECT_EQ(settings.integer("firewall.console_connections"), 16);
    EXPECT_EQ(settings.integer("firewall.smtp_rate"), 30);
}
