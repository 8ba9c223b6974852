#include "queue/spool.h"

#include <algorithm>

#include "util/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

namespace moat::queue {

namespace fs = std::filesystem;

Spool::Spool(std::string dir) : dir_(std::move(dir)), msg_dir_(dir_ + "/msg") {
    fs::create_directories(msg_dir_);
    ::chmod(msg_dir_.c_str(), 0700);
}

std::string Spool::newId() {
    // 40 bits of microseconds-since-epoch/16 (sortable), 20 bits of counter,
    // 20 random bits: unique across restarts and concurrent sessions.
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    auto us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::uint64_t stamp = us >> 4;
    std::uint32_t counter;
    {
        std::lock_guard lock(mutex_);
        if (stamp <= last_stamp_) {
            stamp = last_stamp_;
            counter = ++counter_;
        } else {
            last_stamp_ = stamp;
            counter = counter_ = 0;
        }
    }
    std::uint64_t hi = stamp & ((1ull << 40) - 1);
    std::uint64_t lo = (static_cast<std::uint64_t>(counter & 0xFFFFF) << 20) | (rng() & 0xFFFFF);
    static const char* digits = "0123456789ABCDEFGHJKLMNPQRSTVWXYZ";  // Crockford base32
    std::string id(16, '0');
    for (int i = 7; i >= 0; --i, hi >>= 5) id[static_cast<std::size_t>(i)] = digits[hi & 31];
    for (int i = 15; i >= 8; --i, lo >>= 5) id[static_cast<std::size_t>(i)] = digits[lo & 31];
    return id;
}

std::string Spool::path(std::string_view id) const { return msg_dir_ + "/" + std::string(id); }

bool Spool::syncDirectory() const {
    int fd = ::open(msg_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

void Spool::remove(std::string_view id) const { ::unlink(path(id).c_str()); }

std::size_t Spool::removeOrphans(const std::unordered_set<std::string>& known) const {
    std::size_t removed = 0;
    for (const auto& entry : fs::directory_iterator(msg_dir_)) {
        std::string name = entry.path().filename().string();
        if (known.count(name)) continue;
        std::error_code ec;
        if (fs::remove(entry.path(), ec)) ++removed;
    }
    return removed;
}

Spool::Writer::Writer(const Spool& spool, std::string id) : path_(spool.path(id)), id_(std::move(id)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) errno_ = errno;
    buffer_.reserve(64 * 1024);
}

Spool::Writer::~Writer() {
    if (!committed_) abort();
}

bool Spool::Writer::flushBuffer() {
    std::size_t off = 0;
    while (off < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            errno_ = errno;
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return true;
}

bool Spool::Writer::write(std::string_view bytes) {
    if (fd_ < 0 || errno_ != 0) return false;
    buffer_.append(bytes);
    size_ += bytes.size();
    if (buffer_.size() >= 64 * 1024) return flushBuffer();
    return true;
}

bool Spool::Writer::restart() {
    if (fd_ < 0 || errno_ != 0) return false;
    buffer_.clear();
    size_ = 0;
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
        errno_ = errno;
        return false;
    }
    return true;
}

bool Spool::Writer::replacePrefix(std::string_view head, std::uint64_t old_prefix) {
    if (fd_ < 0 || errno_ != 0 || !flushBuffer()) return false;
    if (old_prefix > size_) old_prefix = size_;
    const std::string tmp = path_ + ".new";
    int out = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        errno_ = errno;
        return false;
    }
    auto fail = [&] {
        errno_ = errno ? errno : EIO;
        ::close(out);
        ::unlink(tmp.c_str());
        return false;
    };
    auto writeAll = [&](const char* data, std::size_t n) {
        while (n > 0) {
            ssize_t w = ::write(out, data, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            data += w;
            n -= static_cast<std::size_t>(w);
        }
        return true;
    };
    if (!writeAll(head.data(), head.size())) return fail();
    std::string piece(64 * 1024, '\0');
    for (std::uint64_t off = old_prefix; off < size_;) {
        ssize_t n = ::pread(fd_, piece.data(), piece.size(), static_cast<off_t>(off));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail();
        if (!writeAll(piece.data(), static_cast<std::size_t>(n))) return fail();
        off += static_cast<std::uint64_t>(n);
    }
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return fail();
    ::close(fd_);
    fd_ = out;
    size_ = size_ - old_prefix + head.size();
    return true;
}

std::string Spool::Writer::read(std::uint64_t offset, std::size_t max) {
    std::string out;
    if (fd_ < 0 || errno_ != 0 || !flushBuffer()) return out;
    int in = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return out;
    out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(max, size_ > offset ? size_ - offset : 0)));
    std::size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::pread(in, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(in);
    out.resize(got);
    return out;
}

bool Spool::Writer::commit() {
    if (fd_ < 0 || errno_ != 0) return false;
    if (!flushBuffer()) return false;
    if (::fdatasync(fd_) != 0) {
        errno_ = errno;
        return false;
    }
    if (::close(fd_) != 0) {
        errno_ = errno;
        fd_ = -1;
        return false;
    }
    fd_ = -1;
    committed_ = true;
    return true;
}

int Spool::Writer::openForReading() {
    if (fd_ < 0 || errno_ != 0 || !flushBuffer()) return -1;
    return ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
}

bool Spool::Writer::flush() {
    if (fd_ < 0 || errno_ != 0) return false;
    return flushBuffer();
}

void Spool::Writer::abort() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!committed_) ::unlink(path_.c_str());
    committed_ = true;  // nothing left to clean up
}

}  // namespace moat::queue
