#include "store/backup.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <span>
#include <thread>
#include <vector>

#include "store/migrations.h"

namespace moat::store {
namespace {

// Written by moat-smtpd as it works: in a backup only with its log.
constexpr const char* kLogTables[] = {
    "message_log", "message_log_domains", "message_log_recipients", "archive",         "archive_domains",
    "archive_recipients", "release_requests", "audit_log",           "traffic_hourly", "refusals_hourly"};
// This machine's state: never in a backup; a restore keeps the current store's.
// (The queue rows name spool files that only this machine has.)
constexpr const char* kLocalTables[] = {"queue",        "queue_rcpt",         "service_status",
                                        "pop_relayers", "client_events",      "login_failures",
                                        "dns_latency",  "dns_latency_buckets"};
// Access granted now: never in a backup, empty after a restore (a session's
// user id would name another account in the restored users table).
constexpr const char* kSessionTables[] = {"web_sessions", "first_run"};

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("backup: " + what); }

[[noreturn]] void failErrno(const std::string& what, const std::string& path) {
    fail(what + " " + path + ": " + std::strerror(errno));
}

// One raw SQLite connection: the online backup API and ATTACH are not
// reachable through Poco::Data.
class Db {
  public:
    Db(const std::string& path, int flags) {
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close_v2(db_);
            fail("cannot open " + path + ": " + msg);
        }
        sqlite3_busy_timeout(db_, 10000);
    }
    ~Db() { sqlite3_close_v2(db_); }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    sqlite3* get() const { return db_; }

    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : sqlite3_errmsg(db_);
            sqlite3_free(err);
            fail(msg);
        }
    }

    // The first column of the first row of `sql` as text, with `bind` as ?1.
    std::string scalar(const std::string& sql, const std::string* bind = nullptr) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) fail(sqlite3_errmsg(db_));
        if (bind) sqlite3_bind_text(stmt, 1, bind->c_str(), -1, SQLITE_TRANSIENT);
        std::string out;
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            auto text = sqlite3_column_text(stmt, 0);
            if (text) out = reinterpret_cast<const char*>(text);
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(sqlite3_errmsg(db_));
        return out;
    }

    // The first column of every row of `sql`, as text.
    std::vector<std::string> column(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
            fail(sqlite3_errmsg(db_));
        std::vector<std::string> out;
        int rc;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            auto text = sqlite3_column_text(stmt, 0);
            out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE) fail(sqlite3_errmsg(db_));
        return out;
    }

    bool hasTable(const std::string& schema, const std::string& table) {
        return !scalar("SELECT 1 FROM " + schema + ".sqlite_master WHERE type = 'table' AND name = ?1", &table)
                    .empty();
    }

  private:
    sqlite3* db_ = nullptr;
};

// A file removed when the object goes unless kept.
class TempFile {
  public:
    explicit TempFile(const std::string& prefix) : path_(prefix + ".XXXXXX") {
        int fd = ::mkstemp(path_.data());
        if (fd < 0) failErrno("cannot create", path_);
        ::close(fd);
    }
    ~TempFile() {
        if (!kept_) {
            ::unlink(path_.c_str());
            ::unlink((path_ + "-journal").c_str());
            ::unlink((path_ + "-wal").c_str());
            ::unlink((path_ + "-shm").c_str());
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }
    void keep() { kept_ = true; }

  private:
    std::string path_;
    bool kept_ = false;
};

class Fd {
  public:
    Fd(const std::string& path, int flags) : fd_(::open(path.c_str(), flags | O_CLOEXEC, 0600)) {
        if (fd_ < 0) failErrno("cannot open", path);
    }
    ~Fd() { ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::size_t readSome(int fd, std::uint8_t* into, std::size_t size, const std::string& path) {
    std::size_t got = 0;
    while (got < size) {
        ssize_t n = ::read(fd, into + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) failErrno("cannot read", path);
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    return got;
}

void writeAll(int fd, const std::uint8_t* data, std::size_t size, const std::string& path) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) failErrno("cannot write", path);
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void syncFile(int fd, const std::string& path) {
    if (::fsync(fd) != 0) failErrno("cannot sync", path);
}

// The rename is durable only once the directory is synced.
void syncDirectoryOf(const std::string& path) {
    auto dir = std::filesystem::path(path).parent_path();
    Fd d(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
    syncFile(d.get(), dir.string());
}

// Copies `size` bytes from `in` (or all of it when size is unknown, -1) to
// `out` (when >= 0), returning the SHA-256 of what passed and how much did.
std::pair<std::array<std::uint8_t, 32>, std::uint64_t> copyHashing(int in, int out, long long size,
                                                                 const std::string& in_path,
                                                                 const std::string& out_path) {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    std::vector<std::uint8_t> buffer(1 << 16);
    std::uint64_t total = 0;
    while (size < 0 || total < static_cast<std::uint64_t>(size)) {
        std::size_t want = buffer.size();
        if (size >= 0) want = std::min<std::uint64_t>(want, static_cast<std::uint64_t>(size) - total);
        std::size_t n = readSome(in, buffer.data(), want, in_path);
        if (n == 0) break;
        crypto_hash_sha256_update(&state, buffer.data(), n);
        if (out >= 0) writeAll(out, buffer.data(), n, out_path);
        total += n;
    }
    std::array<std::uint8_t, 32> digest{};
    crypto_hash_sha256_final(&state, digest.data());
    return {digest, total};
}

void emptyTable(Db& db, const char* table) {
    if (db.hasTable("main", table)) db.exec(std::string("DELETE FROM main.") + table);
}

// Reads the header of `file` and checks everything but the digest.
BackupHeader readHeader(int fd, const std::string& file) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) failErrno("cannot stat", file);
    std::array<std::uint8_t, kBackupHeaderSize> bytes{};
    std::size_t n = readSome(fd, bytes.data(), bytes.size(), file);
    auto header = decodeBackupHeader(std::span(bytes.data(), n));
    auto size = static_cast<std::uint64_t>(st.st_size);
    if (size < kBackupHeaderSize + header.payload_size)
        throw BackupFormatError("backup " + file + " is truncated (" + std::to_string(size) + " of " +
                                std::to_string(kBackupHeaderSize + header.payload_size) + " bytes)");
    if (size > kBackupHeaderSize + header.payload_size)
        throw BackupFormatError("backup " + file + " has " +
                                std::to_string(size - kBackupHeaderSize - header.payload_size) +
                                " bytes after its payload");
    if (header.schema_version > static_cast<std::uint32_t>(latestSchemaVersion()))
        throw BackupFormatError("backup " + file + " holds schema version " +
                                std::to_string(header.schema_version) + ", newer than this build's " +
                                std::to_string(latestSchemaVersion()) + ": restore it with a newer Moat");
    return header;
}

void checkDigest(const BackupHeader& header, const std::array<std::uint8_t, 32>& digest, std::uint64_t size,
                 const std::string& file) {
    if (size != header.payload_size)
        throw BackupFormatError("backup " + file + " is truncated (payload changed while read)");
    if (digest != header.sha256)
        throw BackupFormatError("backup " + file + " is corrupted: SHA-256 of its payload does not match");
}

// Fills `path` with a consistent copy of the store, emptied of what a backup
// leaves out and compacted; returns its header (digest and size included).
BackupHeader takeSnapshot(const Store& store, const std::string& path, bool with_log) {
    {
        Db source(store.path(), SQLITE_OPEN_READONLY);
        Db copy(path, SQLITE_OPEN_READWRITE);
        sqlite3_backup* backup = sqlite3_backup_init(copy.get(), "main", source.get(), "main");
        if (!backup) fail(sqlite3_errmsg(copy.get()));
        int rc;
        while ((rc = sqlite3_backup_step(backup, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) fail(std::string("snapshot failed: ") + sqlite3_errstr(rc));

        copy.exec("PRAGMA journal_mode = DELETE");
        copy.exec("BEGIN");
        if (!with_log)
            for (const char* t : kLogTables) emptyTable(copy, t);
        for (const char* t : kLocalTables) emptyTable(copy, t);
        for (const char* t : kSessionTables) emptyTable(copy, t);
        copy.exec("COMMIT");
        copy.exec("VACUUM");  // what was emptied leaves no trace in free pages
    }

    BackupHeader header;
    header.flags = with_log ? kBackupFlagWithLog : 0;
    {
        Db copy(path, SQLITE_OPEN_READONLY);
        header.schema_version = static_cast<std::uint32_t>(std::stoul(copy.scalar("PRAGMA user_version")));
    }
    header.created = nowSeconds();
    Fd in(path, O_RDONLY);
    auto [digest, size] = copyHashing(in.get(), -1, -1, path, "");
    header.sha256 = digest;
    header.payload_size = size;
    return header;
}

// Writes the header and the snapshot at `snapshot` to `out`.
void writeBackupTo(int out, const std::string& out_name, const std::string& snapshot,
                   const BackupHeader& header) {
    Fd in(snapshot, O_RDONLY);
    auto head = encodeBackupHeader(header);
    writeAll(out, head.data(), head.size(), out_name);
    auto [digest, size] =
        copyHashing(in.get(), out, static_cast<long long>(header.payload_size), snapshot, out_name);
    checkDigest(header, digest, size, snapshot);
}

bool isOneOf(const std::string& table, std::span<const char* const> tables) {
    return std::any_of(tables.begin(), tables.end(), [&](const char* t) { return table == t; });
}

std::string quoted(const std::string& name) {
    return "\"" + name + "\"";
}

// Replaces, in one write transaction on the live store, every table the
// backup restores with the restored copy's rows (both at this build's schema
// by now). The queue and this machine's state stay as they are, the log too
// unless the backup carries one; sessions are emptied. Every table is emptied
// before any is refilled, so the delete triggers that cascade from domains
// find nothing left to remove; foreign keys are checked once at the end.
void replaceInPlace(const Store& store, const std::string& restored, bool with_log) {
    Db db(store.path(), SQLITE_OPEN_READWRITE);
    db.exec("PRAGMA foreign_keys = OFF");
    db.scalar("ATTACH DATABASE ?1 AS bak", &restored);
    db.exec("BEGIN IMMEDIATE");
    try {
        if (db.scalar("PRAGMA main.user_version") != db.scalar("PRAGMA bak.user_version"))
            fail("the store and the backup are at different schema versions after migration");
        const std::string list =
            " WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
        auto tables = db.column("SELECT name FROM main.sqlite_master" + list);
        if (tables != db.column("SELECT name FROM bak.sqlite_master" + list))
            fail("the backup's tables differ from the store's");
        std::string bayes_generation =
            db.scalar("SELECT generation FROM main.bayes_totals WHERE id = 1");

        std::vector<std::string> replaced;
        for (const auto& t : tables)
            if (t != "generation" && !isOneOf(t, kLocalTables) &&
                (with_log || !isOneOf(t, kLogTables)))
                replaced.push_back(t);
        for (const auto& t : replaced) db.exec("DELETE FROM main." + quoted(t));
        for (const auto& t : replaced) {
            if (isOneOf(t, kSessionTables)) continue;
            std::string columns;
            for (const auto& c :
                 db.column("SELECT name FROM pragma_table_info(" + quoted(t) + ", 'main')"))
                columns += (columns.empty() ? "" : ", ") + quoted(c);
            db.exec("INSERT INTO main." + quoted(t) + " (" + columns + ") SELECT " + columns +
                    " FROM bak." + quoted(t));
        }
        // Past both stores' generations, so every reader reloads.
        db.exec("UPDATE main.generation SET n = max(n, (SELECT n FROM bak.generation)) + 1");
        if (!bayes_generation.empty())
            db.scalar(
                "UPDATE main.bayes_totals SET generation = max(generation, CAST(?1 AS INTEGER)) + 1"
                " WHERE id = 1",
                &bayes_generation);
        if (!db.column("PRAGMA main.foreign_key_check").empty())
            throw BackupFormatError("the backup's rows break a foreign key of the store");
        db.exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    db.exec("DETACH DATABASE bak");
}

}  // namespace

int latestSchemaVersion() {
    return migrations().back().version;
}

BackupHeader writeBackup(const Store& store, const std::string& file, bool with_log) {
    TempFile snapshot(file + ".db");
    auto header = takeSnapshot(store, snapshot.path(), with_log);
    TempFile out(file);
    {
        Fd o(out.path(), O_WRONLY | O_TRUNC);
        writeBackupTo(o.get(), out.path(), snapshot.path(), header);
        syncFile(o.get(), out.path());
    }
    if (::rename(out.path().c_str(), file.c_str()) != 0) failErrno("cannot rename to", file);
    out.keep();
    syncDirectoryOf(file);
    return header;
}

BackupHeader writeBackup(const Store& store, int out, bool with_log) {
    TempFile snapshot(store.path() + ".backup");
    auto header = takeSnapshot(store, snapshot.path(), with_log);
    writeBackupTo(out, "the backup download", snapshot.path(), header);
    return header;
}

BackupHeader verifyBackup(const std::string& file) {
    Fd in(file, O_RDONLY);
    return verifyBackup(in.get(), file);
}

BackupHeader verifyBackup(int in, const std::string& file) {
    if (::lseek(in, 0, SEEK_SET) < 0) failErrno("cannot seek", file);
    auto header = readHeader(in, file);
    auto [digest, size] =
        copyHashing(in, -1, static_cast<long long>(header.payload_size), file, "");
    checkDigest(header, digest, size, file);
    return header;
}

BackupHeader restoreBackup(const Store& store, const std::string& file) {
    Fd in(file, O_RDONLY);
    return restoreBackup(store, in.get(), file);
}

BackupHeader restoreBackup(const Store& store, int in, const std::string& file) {
    // Check the file completely before anything else: a bad file changes nothing.
    if (::lseek(in, 0, SEEK_SET) < 0) failErrno("cannot seek", file);
    auto header = readHeader(in, file);

    TempFile restored(store.path() + ".restore");
    {
        Fd out(restored.path(), O_WRONLY | O_TRUNC);
        auto [digest, size] = copyHashing(
            in, out.get(), static_cast<long long>(header.payload_size), file, restored.path());
        checkDigest(header, digest, size, file);
    }
    {
        Db db(restored.path(), SQLITE_OPEN_READWRITE);
        std::string check = db.scalar("PRAGMA quick_check");
        if (check != "ok") throw BackupFormatError("backup " + file + " holds a damaged database: " + check);
        if (db.scalar("PRAGMA user_version") != std::to_string(header.schema_version))
            throw BackupFormatError("backup " + file + ": its database's schema version differs from its header's");
        db.exec("PRAGMA journal_mode = DELETE");
    }
    Store::open("sqlite:" + restored.path());  // brings an older schema up to this build's
    replaceInPlace(store, restored.path(), header.withLog());
    return header;
}

}  // namespace moat::store
