#include "scan/scratch_root.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace moat::scan {
namespace {

constexpr std::string_view kPrefix = "moat-scan.";

bool isRootName(std::string_view name) {
    if (!name.starts_with(kPrefix)) return false;
    name.remove_prefix(kPrefix.size());
    return !name.empty() && name.size() <= 10 &&
           std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// std::filesystem::remove_all removes a symbolic link, never what it points to.
bool removeTree(const std::string& path, std::string& problem) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (!ec) return true;
    problem = "cannot remove " + path + ": " + ec.message();
    return false;
}

// fd (open on a directory) is still the directory named path.
bool stillNamed(int fd, const std::string& path) {
    struct stat held {};
    struct stat named {};
    return ::fstat(fd, &held) == 0 && held.st_nlink > 0 && ::lstat(path.c_str(), &named) == 0 &&
           held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

// Removes path when it is a directory of ours that no host holds locked.
// true when it was removed; `problem` set when that failed.
bool removeIfStale(const std::string& path, std::string& problem) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;  // gone, not ours to read, a link or not a directory
    struct stat st {};
    bool removed = false;
    // With the lock held no host can be using it nor another sweep be removing
    // it; the name is checked again in case it was replaced before the lock.
    if (::fstat(fd, &st) == 0 && st.st_uid == ::geteuid() && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        stillNamed(fd, path))
        removed = removeTree(path, problem);
    ::close(fd);
    return removed;
}

}  // namespace

std::string scratchBase() {
    const char* dir = std::getenv("TMPDIR");
    if (dir && dir[0] == '/') return dir;
    return "/tmp";
}

int removeStaleScratchRoots(const std::string& base, std::string& problem) {
    int removed = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(base, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (!isRootName(it->path().filename().string())) continue;
        std::string failed;
        if (removeIfStale(it->path().string(), failed)) ++removed;
        if (!failed.empty() && problem.empty()) problem = failed;
    }
    if (ec && problem.empty()) problem = "cannot list " + base + ": " + ec.message();
    return removed;
}

bool createWorkerScratchDir(const std::string& dir, std::string& problem) {
    if (::mkdir(dir.c_str(), 0700) == 0) return true;
    int err = errno;
    struct stat st {};
    if (err == EEXIST && ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
        st.st_uid == ::geteuid())
        return true;
    problem = "cannot create " + dir + ": " + std::strerror(err);
    return false;
}

std::unique_ptr<ScratchRoot> ScratchRoot::create(const std::string& base, std::string& problem) {
    const std::string path = base + "/" + std::string(kPrefix) + std::to_string(::getpid());
    // A few tries: another host's sweep may take a root between its mkdir and
    // its lock (it then looks stale), and a dead host with our pid may have
    // left one of this name.
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (::mkdir(path.c_str(), 0700) != 0) {
            if (errno != EEXIST) {
                problem = "cannot create " + path + ": " + std::strerror(errno);
                return nullptr;
            }
            if (!removeIfStale(path, problem) && !problem.empty()) return nullptr;
            continue;
        }
        int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && stillNamed(fd, path))
            return std::unique_ptr<ScratchRoot>(new ScratchRoot(path, fd));
        ::close(fd);
    }
    problem = "cannot create " + path + ": in use, or removed by another process each time";
    return nullptr;
}

ScratchRoot::~ScratchRoot() {
    std::string ignored;
    remove(ignored);
}

std::string ScratchRoot::workerDir(pid_t worker) const {
    return path_ + "/" + std::to_string(worker);
}

bool ScratchRoot::removeWorkerDir(pid_t worker, std::string& problem) const {
    return removeTree(workerDir(worker), problem);
}

bool ScratchRoot::remove(std::string& problem) {
    if (lock_ < 0) return true;
    bool ok = removeTree(path_, problem);  // under the lock: no sweep interferes
    ::close(lock_);
    lock_ = -1;
    return ok;
}

}  // namespace moat::scan
