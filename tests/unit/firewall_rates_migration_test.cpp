// Migration 9 (store/migrations.cpp): a store that had one firewall.admin_rate
// for SSH and the console keeps that rate for each of firewall.ssh_rate and
// firewall.console_rate, and the old key is gone.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "policy/settings.h"
#include "store/store.h"

using namespace Poco::Data::Keywords;

TEST(FirewallRatesMigration, AdminRateBecomesTheSshAndConsoleRates) {
    auto path = std::filesystem::temp_directory_path() / ("moat-rates-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        auto store = moat::store::Store::open("sqlite:" + path.string());
        auto session = store->connect();
        session << "INSERT INTO settings (key, value) VALUES ('firewall.admin_rate', '25')", now;
        session << "PRAGMA user_version = 8", now;  // as a store from before the split
    }
    auto store = moat::store::Store::open("sqlite:" + path.string());
    EXPECT_GE(store->schemaVersion(), 9);
    auto session = store->connect();
    auto settings = moat::policy::Settings::load(session);
    EXPECT_EQ(settings.integer("firewall.ssh_rate"), 25);
    EXPECT_EQ(settings.integer("firewall.console_rate"), 25);
    int old = -1;
    session << "SELECT COUNT(*) FROM settings WHERE key = 'firewall.admin_rate'", into(old), now;
    EXPECT_EQ(old, 0);
    std::filesystem::remove(path);
}

TEST(FirewallRatesMigration, WithoutAnAdminRateTheDefaultsApply) {
    auto path = std::filesystem::temp_directory_path() / ("moat-rates-d-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    auto store = moat::store::Store::open("sqlite:" + path.string());
    auto session = store->connect();
    auto settings = moat::policy::Settings::load(session);
    EXPECT_EQ(settings.integer("firewall.ssh_rate"), 10);
    EXPECT_EQ(settings.integer("firewall.console_rate"), 10);
    EXPECT_EQ(settings.integer("firewall.console_connections"), 16);
    EXPECT_EQ(settings.integer("firewall.smtp_rate"), 30);
    std::filesystem::remove(path);
}
