#include "archive/release_executor.h"

#include "mail/date.h"

#include <Poco/StringTokenizer.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "store/archive_entries.h"
#include "store/audit_log.h"
#include "store/release_requests.h"
#include "store/write_transaction.h"
#include "util/log.h"

namespace moat::archive {

std::string releasedHeader(const std::string& by, long long when, long long archive_id) {
    std::string who;
    for (unsigned char c : by) {
        if (who.size() >= 100) break;
        who += (c >= 0x21 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    if (who.empty()) who = "unknown";
    return "X-Moat-Released: by " + who + " on " + mail::rfc5322Date(when) + " (archive id " +
           std::to_string(archive_id) + ")\r\n";
}

ReleaseExecutor::ReleaseExecutor(const store::Store& store, queue::Spool& spool,
                                 const ArchiveDir& dir, Enqueue enqueue)
    : store_(store), spool_(spool), dir_(dir), enqueue_(std::move(enqueue)) {}

ReleaseExecutor::~ReleaseExecutor() {
    stop();
}

void ReleaseExecutor::start() {
    thread_ = std::thread([this] { run(); });
}

void ReleaseExecutor::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void ReleaseExecutor::run() {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) {
        lock.unlock();
        try {
            runOnce();
        } catch (const Poco::Exception& e) {
            session_.reset();
            log::warning("archive: release requests: " + e.displayText());
        } catch (const std::exception& e) {
            session_.reset();
            log::warning(std::string("archive: release requests: ") + e.what());
        }
        lock.lock();
    }
}

std::size_t ReleaseExecutor::runOnce() {
    // One store session kept between polls (opening SQLite twice a second would be waste).
    if (!session_) session_ = std::make_unique<Poco::Data::Session>(store_.connect());
    auto& session = *session_;
    auto pending = store::pendingReleaseRequests(session, 100);
    for (const auto& request : pending) {
        const std::string& by = request.requested_by;
        Outcome out = release(session, request);
        long long finished = store::nowSeconds();
        std::string status = out.ok ? "done" : "failed";
        store::WriteTransaction tx(session);
        store::finishReleaseRequest(session, request.id, out.ok, out.queue_id, out.detail, finished);
        if (out.ok) store::countArchiveRelease(session, request.archive_id, finished);
        store::audit(session, by, "", "release", "archive " + std::to_string(request.archive_id),
                     (out.ok ? "queued as " + out.queue_id + ": " : "failed: ") + out.detail);
        tx.commit();
        log::info("archive: release of entry " + std::to_string(request.archive_id) + " by " +
                  log::printable(by) + ": " + status +
                  (out.queue_id.empty() ? "" : " as " + out.queue_id) + " (" + out.detail + ")");
    }
    return pending.size();
}

ReleaseExecutor::Outcome ReleaseExecutor::release(Poco::Data::Session& session,
                                                  const store::ReleaseRequest& request) {
    const long long archive_id = request.archive_id;
    const std::string& by = request.requested_by;
    Outcome out;
    auto entry = store::findArchiveEntry(session, archive_id);
    if (!entry) {
        out.detail =
            "archive entry " + std::to_string(archive_id) + " does not exist (expired or evicted?)";
        return out;
    }
    const std::string& file = entry->file;
    mail::Envelope env;
    env.sender = entry->sender;
    // The recipients fixed when the release was asked for (the requester's
    // scope), never the entry's full list.
    Poco::StringTokenizer rcpts(
        request.recipients, ",",
        Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
    env.recipients.assign(rcpts.begin(), rcpts.end());
    if (env.recipients.empty()) {
        out.detail = "archive entry " + std::to_string(archive_id) + " has no recipients";
        return out;
    }
    int fd = validName(file) ? ::open(dir_.path(file).c_str(), O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0) {
        out.detail =
            "the archived message file " + file + " is missing (" + std::strerror(errno) + ")";
        return out;
    }
    env.id = spool_.newId();
    queue::Spool::Writer writer(spool_, env.id);
    bool ok = writer.write(releasedHeader(by, store::nowSeconds(), archive_id));
    bool eight_bit = false;
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            out.detail = std::string("cannot read the archived message: ") + std::strerror(errno);
            ok = false;
        }
        if (n <= 0) break;
        for (ssize_t i = 0; i < n && !eight_bit; ++i)
            eight_bit = static_cast<unsigned char>(buf[i]) >= 0x80;
        if (ok) ok = writer.write(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    ::close(fd);
    if (ok) ok = writer.commit();
    if (!ok) {
        if (out.detail.empty())
            out.detail =
                std::string("cannot write the queue: ") + std::strerror(writer.lastErrno());
        writer.abort();
        return out;
    }
    bool utf8 = false;
    for (unsigned char c : env.sender) utf8 |= c >= 0x80;
    for (const auto& r : env.recipients)
        for (unsigned char c : r) utf8 |= c >= 0x80;
    env.flags = (eight_bit ? mail::kBody8Bit : 0u) | (utf8 ? mail::kSmtpUtf8 : 0u);
    env.size = writer.size();
    env.created = store::nowSeconds();
    if (!enqueue_(env)) {
        spool_.remove(env.id);
        out.detail = "the queue store failed";
        return out;
    }
    out.ok = true;
    out.queue_id = env.id;
    out.detail = "to " + std::to_string(env.recipients.size()) + " recipient(s)";
    return out;
}

}  // namespace moat::archive
