// Backup and restore of the store (store/backup.h) and the backup file's
// header (store/backup_format.h): a round trip between two stores, what a
// backup leaves out and what a restore keeps, and every bad file refused with
// the store left byte for byte as it was; a restore in place while the
// gateway runs, seen by connections opened before it; the open-file variants
// the console uses.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store/backup.h"
#include "store/gateway_lock.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace Poco::Data::Keywords;
using namespace moat::store;

namespace {

std::vector<std::uint8_t> readBytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(BackupHeader, RoundTrip) {
    BackupHeader h;
    h.flags = kBackupFlagWithLog;
    h.schema_version = 8;
    h.created = 1700000000;
    h.payload_size = 123456789012ULL;
    for (std::size_t i = 0; i < h.sha256.size(); ++i) h.sha256[i] = static_cast<std::uint8_t>(i * 7);
    auto bytes = encodeBackupHeader(h);
    EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "MOATBAK\n");
    EXPECT_EQ(decodeBackupHeader(bytes), h);
    EXPECT_TRUE(decodeBackupHeader(bytes).withLog());
}

TEST(BackupHeader, RefusesBadHeaders) {
    auto good = encodeBackupHeader(BackupHeader{});
    EXPECT_THROW(decodeBackupHeader(std::span(good.data(), good.size() - 1)), BackupFormatError);
    EXPECT_THROW(decodeBackupHeader(std::span<const std::uint8_t>()), BackupFormatError);
    auto magic = good;
    magic[0] = 'X';
    EXPECT_THROW(decodeBackupHeader(magic), BackupFormatError);
    auto future = good;
    future[11] = kBackupFormatVersion + 1;
    EXPECT_THROW(decodeBackupHeader(future), BackupFormatError);
    auto zero = good;
    zero[11] = 0;
    EXPECT_THROW(decodeBackupHeader(zero), BackupFormatError);
    auto flags = good;
    flags[15] = 2;
    EXPECT_THROW(decodeBackupHeader(flags), BackupFormatError);
}

class StoreBackup : public ::testing::Test {
  protected:
    void SetUp() override {
        source_ = Store::open("sqlite:" + (dir_.path / "a" / "moat.db").string());
        target_ = Store::open("sqlite:" + (dir_.path / "b" / "moat.db").string());
        auto a = source_->connect();
        a << "INSERT INTO domains (name, backend_host, created) VALUES ('a.test', 'mx.a.test', 1)", now;
        a << "INSERT INTO list_entries (list, kind, value, created) VALUES ('deny', 'sender', 'bad@x.test', 1)",
            now;
        a << "INSERT INTO settings (key, value) VALUES ('spam.tag_score', '4')", now;
        a << "INSERT INTO users (name, role, created) VALUES ('root', 'admin', 1)", now;
        a << "INSERT INTO web_sessions (id, user_id, csrf, created, last_seen, expires) VALUES ('s', 1, 'c', 1, 1, 9)",
            now;
        a << "INSERT INTO bayes_tokens (hash, spam, ham, last_seen) VALUES (42, 3, 1, 1)", now;
        a << "INSERT INTO queue (id, sender, size, created, next_attempt) VALUES ('qa', 'x@a.test', 1, 1, 1)", now;
        a << "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, recipients, size, queue_id,"
             " outcome, reason) VALUES (1, '192.0.2.1', '', 'h', '', 's@a', 'r@a', 1, 'qa', 'accepted', 'from a')",
            now;
        auto b = target_->connect();
        b << "INSERT INTO domains (name, backend_host, created) VALUES ('b.test', 'mx.b.test', 1)", now;
        b << "INSERT INTO queue (id, sender, size, created, next_attempt) VALUES ('qb', 'y@b.test', 1, 1, 1)", now;
        b << "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, recipients, size, queue_id,"
             " outcome, reason) VALUES (1, '192.0.2.2', '', 'h', '', 's@b', 'r@b', 1, 'qb', 'accepted', 'from b')",
            now;
    }
    void TearDown() override {
        source_.reset();
        target_.reset();
    }

    std::string text(const Store& store, const std::string& sql) {
        auto s = store.connect();
        std::string out;
        Poco::Data::Statement st(s);
        st << sql, into(out), now;
        return out;
    }
    long long count(const Store& store, const std::string& table) {
        auto s = store.connect();
        Poco::Int64 n = 0;
        s << "SELECT count(*) FROM " + table, into(n), now;
        return n;
    }

    std::string backupFile() const { return (dir_.path / "moat.backup").string(); }

    moat::test::TempDir dir_{"moat-backup"};
    std::unique_ptr<Store> source_, target_;
};

TEST_F(StoreBackup, RoundTripKeepsConfigurationAndTheTargetsQueueAndLog) {
    auto header = writeBackup(*source_, backupFile(), false);
    EXPECT_EQ(header.schema_version, static_cast<std::uint32_t>(latestSchemaVersion()));
    EXPECT_FALSE(header.withLog());
    EXPECT_EQ(std::filesystem::status(backupFile()).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(verifyBackup(backupFile()), header);
    long long generation_before = std::stoll(text(*target_, "SELECT n FROM generation"));

    restoreBackup(*target_, backupFile());

    EXPECT_EQ(text(*target_, "SELECT group_concat(name) FROM domains"), "a.test");
    EXPECT_EQ(text(*target_, "SELECT value FROM list_entries"), "bad@x.test");
    EXPECT_EQ(text(*target_, "SELECT value FROM settings WHERE key = 'spam.tag_score'"), "4");
    EXPECT_EQ(text(*target_, "SELECT name FROM users"), "root");
    EXPECT_EQ(count(*target_, "bayes_tokens"), 1);
    EXPECT_EQ(count(*target_, "web_sessions"), 0);
    EXPECT_EQ(text(*target_, "SELECT group_concat(id) FROM queue"), "qb");
    EXPECT_EQ(text(*target_, "SELECT group_concat(reason) FROM message_log"), "from b");
    EXPECT_GT(std::stoll(text(*target_, "SELECT n FROM generation")), generation_before);
    EXPECT_EQ(target_->schemaVersion(), latestSchemaVersion());
    for (auto& entry : std::filesystem::directory_iterator(dir_.path / "b"))
        EXPECT_EQ(entry.path().filename().string().find(".restore"), std::string::npos) << entry.path();
}

TEST_F(StoreBackup, WithLogCarriesTheLog) {
    EXPECT_TRUE(writeBackup(*source_, backupFile(), true).withLog());
    restoreBackup(*target_, backupFile());
    EXPECT_EQ(text(*target_, "SELECT group_concat(reason) FROM message_log"), "from a");
    EXPECT_EQ(text(*target_, "SELECT group_concat(id) FROM queue"), "qb");
}

TEST_F(StoreBackup, BadFilesAreRefusedAndTheStoreIsUntouched) {
    auto header = writeBackup(*source_, backupFile(), false);
    auto good = readBytes(backupFile());
    auto db = dir_.path / "b" / "moat.db";
    auto before = readBytes(db);

    std::vector<std::vector<std::uint8_t>> bad;
    auto flipped = good;
    flipped[kBackupHeaderSize + 100] ^= 0x55;
    bad.push_back(flipped);
    bad.emplace_back(good.begin(), good.end() - 10);                    // truncated
    bad.emplace_back(good.begin(), good.begin() + kBackupHeaderSize - 1);  // header cut
    auto trailing = good;
    trailing.push_back(0);
    bad.push_back(trailing);
    auto magic = good;
    magic[1] = 'X';
    bad.push_back(magic);
    auto future_format = good;
    future_format[11] = kBackupFormatVersion + 1;
    bad.push_back(future_format);
    auto newer = header;
    newer.schema_version = static_cast<std::uint32_t>(latestSchemaVersion() + 1);
    auto future_schema = good;
    auto newer_bytes = encodeBackupHeader(newer);
    std::copy(newer_bytes.begin(), newer_bytes.end(), future_schema.begin());
    bad.push_back(future_schema);

    for (std::size_t i = 0; i < bad.size(); ++i) {
        auto path = dir_.path / ("bad" + std::to_string(i));
        writeBytes(path, bad[i]);
        EXPECT_THROW(verifyBackup(path.string()), BackupFormatError) << i;
        EXPECT_THROW(restoreBackup(*target_, path.string()), BackupFormatError) << i;
        EXPECT_EQ(readBytes(db), before) << i;
    }
    EXPECT_EQ(text(*target_, "SELECT group_concat(name) FROM domains"), "b.test");
    for (auto& entry : std::filesystem::directory_iterator(dir_.path / "b"))
        EXPECT_EQ(entry.path().filename().string().find(".restore"), std::string::npos) << entry.path();
}

TEST_F(StoreBackup, RestoresInPlaceWhileTheGatewayRunsAndOpenConnectionsSeeIt) {
    writeBackup(*source_, backupFile(), false);
    auto lock = GatewayLock::acquire(target_->url());
    auto reader = target_->connect();  // as a running daemon holds one
    auto b = target_->connect();
    b << "INSERT INTO users (name, role, created) VALUES ('old', 'admin', 1)", now;
    b << "INSERT INTO web_sessions (id, user_id, csrf, created, last_seen, expires) VALUES ('t', "
         "1, 'c', 1, 1, 9)",
        now;
    long long bayes_before = std::stoll(text(*target_, "SELECT generation FROM bayes_totals"));

    restoreBackup(*target_, backupFile());

    std::string names;
    reader << "SELECT group_concat(name) FROM domains", into(names), now;
    EXPECT_EQ(names, "a.test");
    EXPECT_EQ(text(*target_, "SELECT group_concat(name) FROM users"), "root");
    EXPECT_EQ(count(*target_, "web_sessions"), 0);
    EXPECT_EQ(text(*target_, "SELECT group_concat(id) FROM queue"), "qb");
    EXPECT_GT(std::stoll(text(*target_, "SELECT generation FROM bayes_totals")), bayes_before);
}

TEST_F(StoreBackup, OpenFileVariantsForTheConsole) {
    int out = memfd_create("backup", MFD_CLOEXEC);
    ASSERT_GE(out, 0);
    auto header = writeBackup(*source_, out, true);
    EXPECT_TRUE(header.withLog());
    EXPECT_EQ(verifyBackup(out, "upload"), header);
    EXPECT_EQ(restoreBackup(*target_, out, "upload"), header);
    EXPECT_EQ(text(*target_, "SELECT group_concat(name) FROM domains"), "a.test");
    EXPECT_EQ(text(*target_, "SELECT group_concat(reason) FROM message_log"), "from a");
    ::close(out);
    for (auto& entry : std::filesystem::directory_iterator(dir_.path / "a"))
        EXPECT_EQ(entry.path().filename().string().find(".backup"), std::string::npos)
            << entry.path();
}

}  // namespace
