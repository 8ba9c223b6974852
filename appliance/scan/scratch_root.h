// Where a moat-scand scan host's workers put libclamav's temporary files: a
// private directory (0700) `<base>/moat-scan.<host pid>` that the host owns,
// with one subdirectory per worker, `<root>/<worker pid>`. A worker killed
// mid-scan (the timeout, a crash) leaves whatever libclamav had extracted
// there; the host removes the worker's directory when it reaps the worker and
// the whole root when it exits, so a message that makes scans time out cannot
// fill the disk. A root of a host that died without cleaning is removed by
// the next host to start. The host holds an exclusive flock on its root for
// its lifetime: a root is stale exactly when nobody holds that lock, which
// tells a live host (of this or another moat-scand sharing the directory)
// from a dead one without trusting pids, which are reused. Removal never
// follows a symbolic link out of the directory. Nothing here logs: the host
// and its workers have no logger (scan_host.h); callers report the problems.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

namespace moat::scan {

// $TMPDIR when it is an absolute path, else /tmp: where libclamav itself
// would have put its files.
std::string scratchBase();

// Removes every `moat-scan.<digits>` directory directly under base that this
// user owns and no live host has locked. Returns how many were removed;
// `problem` is set (and the rest still tried) when one could not be.
int removeStaleScratchRoots(const std::string& base, std::string& problem);

// In a worker: creates its directory `dir` (0700); an existing directory
// (not a link) will do. false with `problem` set otherwise.
bool createWorkerScratchDir(const std::string& dir, std::string& problem);

class ScratchRoot {
  public:
    // Creates and locks this process's root under base (call
    // removeStaleScratchRoots first). Null with `problem` set when it cannot.
    static std::unique_ptr<ScratchRoot> create(const std::string& base, std::string& problem);
    ~ScratchRoot();  // removes the root, best effort (remove() reports failures)
    ScratchRoot(const ScratchRoot&) = delete;
    ScratchRoot& operator=(const ScratchRoot&) = delete;

    const std::string& path() const { return path_; }
    // `<root>/<pid>`: the directory a worker with this pid uses.
    std::string workerDir(pid_t worker) const;
    // Removes that directory and everything in it; true when it is gone
    // (also when it never existed).
    bool removeWorkerDir(pid_t worker, std::string& problem) const;
    // Removes the root and everything in it and releases the lock.
    bool remove(std::string& problem);

  private:
    ScratchRoot(std::string path, int lock) : path_(std::move(path)), lock_(lock) {}
    std::string path_;
    int lock_;  // the open root, flock'ed; -1 once removed
};

}  // namespace moat::scan
