// Keeps the current SignatureEngine: builds one at start, then checks the
// signature directories every reload_interval (or at once after reloadNow(),
// on SIGHUP) and, when a file was added, removed or changed, compiles a new
// engine in this thread and swaps it in. Scans never wait for a reload: they
// take current() (the old engine until the swap). A failed reload keeps the
// engine in use. Change detection is our own fingerprint (names, sizes,
// nanosecond mtimes, inodes) rather than cl_statchkdir, which sees only
// whole-second mtimes and cannot watch a directory that does not exist yet.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "signature_engine.h"

namespace moat::scand {

class SignatureWatcher {
  public:
    explicit SignatureWatcher(const config::Scan& cfg);
    ~SignatureWatcher();

    std::shared_ptr<const SignatureEngine> current() const;
    void reloadNow();

  private:
    void run();
    void reload(const std::string& fingerprint);
    std::string fingerprint() const;

    const config::Scan& cfg_;
    std::vector<std::string> dirs_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::shared_ptr<const SignatureEngine> engine_;
    std::string loaded_fingerprint_;
    bool reload_requested_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace moat::scand
