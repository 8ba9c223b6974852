#include "archive/archive_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/log.h"

namespace moat::archive {

namespace fs = std::filesystem;

bool validName(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (unsigned char c : name)
        if (!std::isalnum(c)) return false;
    return true;
}

std::optional<std::uint64_t> statvfsFreeSpace(const std::string& dir) {
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(vfs.f_bavail) * static_cast<std::uint64_t>(vfs.f_frsize);
}

ArchiveDir::ArchiveDir(std::string dir, FreeSpaceProbe probe)
    : dir_(std::move(dir)), probe_(std::move(probe)) {
    fs::create_directories(dir_);
    ::chmod(dir_.c_str(), 0750);  // the console (group moat) reads archived messages
}

bool ArchiveDir::underReserve() const {
    auto free = freeSpace();
    return free && *free < reserve_;
}

bool ArchiveDir::roomToKeep() const {
    auto free = freeSpace();
    bool under = free && *free < reserve_;
    if (under != paused_.exchange(under)) {
        if (under)
            log::warning("archive: " + std::to_string(*free >> 20) + " MB free on " + dir_ +
                         ", under the reserve of " + std::to_string(reserve_ >> 20) +
                         " MB (archive.min_free): new messages are not archived");
        else
            log::info("archive: free space on " + dir_ +
                      " is above the reserve again: new messages are archived");
    }
    return !under;
}

std::string ArchiveDir::path(const std::string& name) const {
    return dir_ + "/" + name;
}

bool ArchiveDir::keep(const std::string& source, const std::string& name,
                      std::uint64_t& size) const {
    if (!validName(name)) {
        log::warning("archive: refusing file name '" + log::printable(name) + "'");
        return false;
    }
    if (!roomToKeep()) return false;
    std::string target = path(name);
    if (::link(source.c_str(), target.c_str()) != 0) {
        int err = errno;
        if (err != EXDEV || !copy(source, target)) {
            log::warning("archive: cannot keep " + name + ": " +
                         std::strerror(err == EXDEV ? errno : err) +
                         "; the message is not archived");
            return false;
        }
    }
    // Readable by the group (the console's); the spool name of the same inode
    // stays private behind the spool directory's 0700.
    ::chmod(target.c_str(), 0640);
    struct stat st {};
    if (::stat(target.c_str(), &st) != 0) {
        log::warning("archive: cannot stat " + target + ": " + std::strerror(errno));
        ::unlink(target.c_str());
        return false;
    }
    size = static_cast<std::uint64_t>(st.st_size);
    return true;
}

bool ArchiveDir::copy(const std::string& source, const std::string& target) const {
    int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return false;
    int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (out < 0) {
        ::close(in);
        return false;
    }
    char buf[64 * 1024];
    bool ok = true;
    for (;;) {
        ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(out, buf + off, static_cast<std::size_t>(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                ok = false;
                break;
            }
            off += w;
        }
        if (!ok) break;
    }
    int saved = errno;
    ::close(in);
    if (::close(out) != 0) ok = false;
    if (!ok) {
        ::unlink(target.c_str());
        errno = saved ? saved : EIO;
    }
    return ok;
}

bool ArchiveDir::soleLink(const std::string& name) const {
    struct stat st {};
    return validName(name) && ::stat(path(name).c_str(), &st) == 0 && st.st_nlink == 1;
}

void ArchiveDir::remove(const std::string& name) const {
    if (validName(name)) ::unlink(path(name).c_str());
}

std::size_t ArchiveDir::removeOrphans(const std::unordered_set<std::string>& known) const {
    std::size_t removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        std::string name = entry.path().filename().string();
        if (known.count(name)) continue;
        std::error_code rm;
        if (fs::remove(entry.path(), rm)) ++removed;
    }
    return removed;
}

}  // namespace moat::archive
