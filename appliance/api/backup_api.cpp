// /api/v1/system/backup and /api/v1/system/restore: the System page's backup
// and restore (docs/backup.md, docs/console-api.md), the same code and file
// format as `moatctl backup` / `moatctl restore` (store/backup.h).
//   GET  /system/backup[?with_log=true]  the file, as an attachment
//   POST /system/backup/check            body: a backup file; checks it
//                                         completely and describes it
//   POST /system/restore?confirm=SHA256   body: the same file; restores it
// Administrators only. `confirm` must be the payload's SHA-256 that the check
// reported: the confirmation step is part of the API, and a restore is always
// of the file that was looked at. A bad file is 422 with the reason and
// changes nothing; a failing environment (busy store, full disk) is 503 and
// changes nothing either. After a restore every console session has ended (the
// restored accounts are not the ones that logged in), so the answer also
// clears the caller's cookie; the daemons reload the restored configuration
// as after any change. Backups, restores and refused restores are audited.
// Files pass through anonymous memory files (memfd): nothing lands in a
// shared directory, and the scratch copies the store code makes live beside
// the store, where moat-webui already writes.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "api/access.h"
#include "api/routes.h"
#include "store/backup.h"
#include "store/store.h"
#include "util/log.h"
#include "web/session_store.h"

namespace moat::api {
namespace {

// An anonymous file in memory, closed when the object goes.
class MemoryFile {
  public:
    MemoryFile() : fd_(::memfd_create("moat-backup", MFD_CLOEXEC)) {
        if (fd_ < 0)
            throw std::runtime_error(std::string("backup: memfd_create: ") + std::strerror(errno));
    }
    ~MemoryFile() { ::close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;
    int fd() const { return fd_; }

    void write(const std::string& bytes) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw std::runtime_error(std::string("backup: write: ") + std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
    }

    std::string readAll() const {
        std::string out;
        off_t size = ::lseek(fd_, 0, SEEK_END);
        if (size < 0 || ::lseek(fd_, 0, SEEK_SET) < 0)
            throw std::runtime_error(std::string("backup: lseek: ") + std::strerror(errno));
        out.resize(static_cast<std::size_t>(size));
        std::size_t done = 0;
        while (done < out.size()) {
            ssize_t n = ::read(fd_, out.data() + done, out.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw std::runtime_error(std::string("backup: read: ") + std::strerror(errno));
            done += static_cast<std::size_t>(n);
        }
        return out;
    }

  private:
    int fd_;
};

std::string hex(const std::array<std::uint8_t, 32>& digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (auto b : digest) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

bool withLogParam(const web::Request& request) {
    auto v = request.queryValue("with_log");
    if (v.empty() || v == "false" || v == "0" || v == "no") return false;
    if (v == "true" || v == "1" || v == "yes") return true;
    throw web::HttpError(400, "with_log: expected true or false");
}

Poco::JSON::Object::Ptr describe(const store::BackupHeader& h) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("format_version", static_cast<Poco::Int64>(h.format_version));
    o->set("schema_version", static_cast<Poco::Int64>(h.schema_version));
    o->set("created", static_cast<Poco::Int64>(h.created));
    o->set("size", static_cast<Poco::Int64>(h.payload_size + store::kBackupHeaderSize));
    o->set("with_log", h.withLog());
    o->set("sha256", hex(h.sha256));
    return o;
}

// The uploaded body in a memory file; 400 when there is none.
std::unique_ptr<MemoryFile> upload(const web::Request& request) {
    if (request.body.empty()) throw web::HttpError(400, "no backup file in the request body");
    auto file = std::make_unique<MemoryFile>();
    file->write(request.body);
    return file;
}

web::Response backup(const web::Request& request, const web::Principal& principal,
                     web::ApiContext& ctx) {
    principal.requireAdmin();
    bool with_log = withLogParam(request);
    MemoryFile file;
    store::BackupHeader header;
    try {
        header = store::writeBackup(ctx.store, file.fd(), with_log);
    } catch (const std::runtime_error& e) {  // the environment: a full disk, an unreadable store
        log::warning(std::string("webui: backup failed: ") + e.what());
        throw web::HttpError(503, e.what());
    }
    {
        auto session = ctx.store.connect();
        auditChange(session, principal, request, "system.backup",
                    with_log ? "with log" : "configuration", "sha256 " + hex(header.sha256));
    }
    std::time_t created = static_cast<std::time_t>(header.created);
    std::tm tm{};
    gmtime_r(&created, &tm);
    char name[64];
    std::strftime(name, sizeof name, "moat-%Y%m%d-%H%M%S.backup", &tm);

    web::Response r;
    r.content_type = "application/octet-stream";
    r.body = file.readAll();
    r.headers.emplace_back("Content-Disposition",
                           std::string("attachment; filename=\"") + name + "\"");
    return r;
}

web::Response check(const web::Request& request, const web::Principal& principal,
                    web::ApiContext&) {
    principal.requireAdmin();
    auto file = upload(request);
    try {
        return web::Response::json(200, describe(store::verifyBackup(file->fd(), "upload")));
    } catch (const store::BackupFormatError& e) {
        throw web::HttpError(422, e.what());
    }
}

web::Response restore(const web::Request& request, const web::Principal& principal,
                      web::ApiContext& ctx) {
    principal.requireAdmin();
    auto confirm = request.queryValue("confirm");
    if (confirm.empty())
        throw web::HttpError(
            400, "confirm: the backup's sha256 as POST /api/v1/system/backup/check reported it");
    auto file = upload(request);
    auto refuse = [&](const std::string& why) {
        auto session = ctx.store.connect();
        auditChange(session, principal, request, "system.restore_refused", "upload", why);
        throw web::HttpError(422, why);
    };
    store::BackupHeader header;
    try {
        std::span<const std::uint8_t> head(
            reinterpret_cast<const std::uint8_t*>(request.body.data()),
            std::min(request.body.size(), store::kBackupHeaderSize));
        if (hex(store::decodeBackupHeader(head).sha256) != confirm)
            refuse("confirm does not match this backup's sha256: check the file again");
        header = store::restoreBackup(ctx.store, file->fd(), "upload");
    } catch (const store::BackupFormatError& e) {
        refuse(e.what());
    } catch (const web::HttpError&) {
        throw;
    } catch (const std::runtime_error& e) {  // the environment: a busy store, a full disk
        log::warning(std::string("webui: restore failed: ") + e.what());
        throw web::HttpError(503, std::string(e.what()) + "; nothing was changed");
    }
    {
        auto session = ctx.store.connect();
        auditChange(session, principal, request, "system.restore",
                    header.withLog() ? "with log" : "configuration",
                    "sha256 " + hex(header.sha256));
    }
    log::info("webui: " + principal.name + " restored a backup from " + request.client_ip +
              " (schema version " + std::to_string(header.schema_version) + ")");
    auto o = describe(header);
    o->set("signed_out", true);
    auto r = web::Response::json(200, o);
    if (!principal.via_token)
        r.headers.emplace_back("Set-Cookie", web::SessionStore::clearingCookie());
    return r;
}

}  // namespace

void registerBackupApi(web::Router& router) {
    router.add("GET", "/api/v1/system/backup", backup);
    router.add("POST", "/api/v1/system/backup/check", check);
    router.add("POST", "/api/v1/system/restore", restore);
}

}  // namespace moat::api
