#include "store/backup.h"

#include "store/gateway_lock.h"
#include "store/migrations.h"

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
#include <thread>
#include <vector>

namespace moat::store {
namespace {

// Written by moat-smtpd as it works: in a backup only with its log.
constexpr const char* kLogTables[] = {
    "message_log", "message_log_domains", "message_log_recipients", "archive",         "archive_domains",
    "archive_recipients", "release_requests", "audit_log",           "traffic_hourly", "refusals_hourly"};
// This machine's state: never in a backup; a restore keeps the current store's.
// (The queue rows name spool files that only this machine has.)
constexpr const char* kLocalTables[] = {"queue",        "queue_rcpt",   "service_status",
                                        "pop_relayers", "client_events", "login_failures"};
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

}  // namespace

int latestSchemaVersion() { return migrations().back().version; }

BackupHeader writeBackup(const Store& store, const std::string& file, bool with_log) {
    TempFile snapshot(file + ".db");
    {
        Db source(store.path(), SQLITE_OPEN_READONLY);
        Db copy(snapshot.path(), SQLITE_OPEN_READWRITE);
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
        Db copy(snapshot.path(), SQLITE_OPEN_READONLY);
        header.schema_version = static_cast<std::uint32_t>(std::stoul(copy.scalar("PRAGMA user_version")));
    }
    header.created = nowSeconds();
    {
        Fd in(snapshot.path(), O_RDONLY);
        auto [digest, size] = copyHashing(in.get(), -1, -1, snapshot.path(), "");
        header.sha256 = digest;
        header.payload_size = size;
    }

    TempFile out(file);
    {
        Fd in(snapshot.path(), O_RDONLY);
        Fd o(out.path(), O_WRONLY | O_TRUNC);
        auto head = encodeBackupHeader(header);
        writeAll(o.get(), head.data(), head.size(), out.path());
        auto [digest, size] = copyHashing(in.get(), o.get(), static_cast<long long>(header.payload_size),
                                          snapshot.path(), out.path());
        checkDigest(header, digest, size, snapshot.path());
        syncFile(o.get(), out.path());
    }
    if (::rename(out.path().c_str(), file.c_str()) != 0) failErrno("cannot rename to", file);
    out.keep();
    syncDirectoryOf(file);
    return header;
}

BackupHeader verifyBackup(const std::string& file) {
    Fd in(file, O_RDONLY);
    auto header = readHeader(in.get(), file);
    auto [digest, size] = copyHashing(in.get(), -1, static_cast<long long>(header.payload_size), file, "");
    checkDigest(header, digest, size, file);
    return header;
}

BackupHeader restoreBackup(const Store& store, const std::string& file) {
    // Check the file completely before anything else: a bad file changes nothing.
    Fd in(file, O_RDONLY);
    auto header = readHeader(in.get(), file);

    std::unique_ptr<GatewayLock> lock;
    try {
        lock = GatewayLock::acquire(store.url());
    } catch (const std::runtime_error& e) {
        fail(std::string("moat-smtpd is running; stop it first (") + e.what() + ")");
    }

    TempFile restored(store.path() + ".restore");
    {
        Fd out(restored.path(), O_WRONLY | O_TRUNC);
        auto [digest, size] =
            copyHashing(in.get(), out.get(), static_cast<long long>(header.payload_size), file, restored.path());
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

    {
        Db db(restored.path(), SQLITE_OPEN_READWRITE);
        db.exec("PRAGMA journal_mode = DELETE");
        std::string current = store.path();
        db.scalar("ATTACH DATABASE ?1 AS cur", &current);
        db.exec("BEGIN IMMEDIATE");
        std::vector<const char*> carried(std::begin(kLocalTables), std::end(kLocalTables));
        if (!header.withLog()) carried.insert(carried.end(), std::begin(kLogTables), std::end(kLogTables));
        for (const char* t : carried) {
            emptyTable(db, t);
            if (db.hasTable("main", t) && db.hasTable("cur", t))
                db.exec(std::string("INSERT INTO main.") + t + " SELECT * FROM cur." + t);
        }
        for (const char* t : kSessionTables) emptyTable(db, t);
        // Past both stores' generations, so any reader of either notices.
        db.exec("UPDATE main.generation SET n = max(n, (SELECT n FROM cur.generation)) + 1");
        db.exec("COMMIT");
        db.exec("DETACH DATABASE cur");
    }
    {
        // The daemons open the store as their own users: the new file gets the old one's owner and mode.
        struct stat st {};
        if (::stat(store.path().c_str(), &st) != 0) failErrno("cannot stat", store.path());
        Fd f(restored.path(), O_RDWR);
        if (::fchown(f.get(), st.st_uid, st.st_gid) != 0 && (errno != EPERM || st.st_uid != ::geteuid()))
            failErrno("cannot give the store's owner to", restored.path());
        if (::fchmod(f.get(), st.st_mode & 07777) != 0) failErrno("cannot set the store's mode on", restored.path());
        syncFile(f.get(), restored.path());
    }

    // Empty the current store's write-ahead log and hold its write lock over
    // the rename, so no frame of the old database is left to be replayed
    // onto the new one.
    Db old(store.path(), SQLITE_OPEN_READWRITE);
    std::string busy = old.scalar("PRAGMA wal_checkpoint(TRUNCATE)");
    if (busy != "0") fail("the store is busy (a reader holds it); stop moat-webui and try again");
    old.exec("BEGIN IMMEDIATE");
    if (::rename(restored.path().c_str(), store.path().c_str()) != 0)
        failErrno("cannot rename to", store.path());
    restored.keep();
    syncDirectoryOf(store.path());
    old.exec("ROLLBACK");
    return header;
}

}  // namespace moat::store
