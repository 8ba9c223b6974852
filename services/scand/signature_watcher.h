// Keeps the current ScanHost: starts one at start, then checks the signature
// directories every reload_interval (or at once after reloadNow(), on SIGHUP)
// and, when a file was added, removed or changed, starts a new host (which
// compiles the new signatures in its own process) and swaps it in. Scans never
// wait for a reload: they take current() (the old host until the swap). A
// failed reload keeps the host in use. The status file ([scan] status_file)
// is written after each load and every 30 s. Change detection is our own fingerprint
// (names, sizes, nanosecond mtimes, inodes), not cl_statchkdir: that sees only
// whole-second mtimes, and moat-scand itself never calls into libclamav.
// A host older than [scan] host_max_age is replaced the same way even when
// nothing changed: that bounds how long a compromised scan worker can last.
// Each check also makes sure the host launcher lives (host_launcher.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "scan_host.h"

namespace moat::scand {

class SignatureWatcher {
  public:
    SignatureWatcher(const config::Scan& cfg, HostLauncher& launcher);
    ~SignatureWatcher();

    std::shared_ptr<ScanHost> current() const;
    void reloadNow();

  private:
    void run();
    void reload(const std::string& fingerprint);
    std::string fingerprint() const;
    void writeStatus();  // the status file, from the host in use
    [[noreturn]] static void launcherLost(const std::string& problem);  // logs, exits

    const config::Scan& cfg_;
    HostLauncher& launcher_;
    std::vector<std::string> dirs_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::shared_ptr<ScanHost> host_;
    std::string loaded_fingerprint_;
    std::chrono::steady_clock::time_point last_status_{};
    bool reload_requested_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace moat::scand
