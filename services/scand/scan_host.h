// A scan host: a single-threaded process, started for moat-scand by its
// launcher (host_launcher.h), that loads and compiles one generation of
// signatures, then keeps a pool of pre-forked scan workers (worker_pool.h)
// that share the compiled engine copy-on-write. Every fork happens in a
// single-threaded process (the launcher, then the host), so no lock can be
// copied held; and no libclamav or OpenSSL state is ever used in moat-scand
// itself. A reload starts a new
// host (a complete engine, new workers); the old one and its workers exit
// when its last user drops it, so no scan ever sees a half-loaded engine.
// Its workers' temporary files live in the host's scratch root
// (scan/scratch_root.h), which it removes when it ends (EOF on control, or
// SIGTERM), after killing and reaping any worker still running.
//
// Two SOCK_SEQPACKET pairs join moat-scand and a host: `control` (the host's
// status line once; then moat-scand's "K <pid>" requests to kill a worker
// past the timeout; EOF ends the host) and `queue` (one datagram per message,
// read by whichever worker is idle).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "host_launcher.h"
#include "scan/attachment_policy.h"
#include "scan/scan_reply.h"
#include "scan/scan_request.h"

namespace moat::scand {

class ScanHost {
  public:
    // Has the launcher start a host and waits until it has loaded its
    // signatures (or failed to); null, with `problem`, when no host could be
    // started at all (`launcher_gone`: nor can any be, see host_launcher.h).
    static std::shared_ptr<ScanHost> start(HostLauncher& launcher, const config::Scan& cfg,
                                           std::string& problem, bool& launcher_gone);
    // The host process itself, run by the launcher in a new process with its
    // ends of the two pairs; never returns.
    [[noreturn]] static void run(int control, int queue, const config::Scan& cfg,
                                 const scan::AttachmentRules& rules);
    ~ScanHost();
    ScanHost(const ScanHost&) = delete;
    ScanHost& operator=(const ScanHost&) = delete;

    unsigned signatures() const { return signatures_; }      // 0: none loaded
    const std::string& problem() const { return problem_; }  // why none loaded
    long long dbVersion() const { return db_version_; }      // ClamAV database version (0: unknown)
    long long dbTime() const { return db_time_; }            // its build time, epoch (0: unknown)
    long long loaded() const { return loaded_; }             // when the host reported, epoch
    pid_t pid() const { return pid_; }
    std::chrono::steady_clock::duration age() const {
        return std::chrono::steady_clock::now() - started_;
    }

    // Scans one message (its descriptors stay the caller's; the worker also
    // writes the content view when one was asked for); "error" when the
    // worker crashed, hung past the timeout or said nothing valid.
    scan::ScanResult scan(const scan::ScanRequest& request) const;
    // The host process is gone (it crashed or was killed): a new one is needed.
    bool gone() const { return gone_; }

  private:
    ScanHost(pid_t pid, int control, int queue, const config::Scan& cfg)
        : pid_(pid), control_(control), queue_(queue), cfg_(cfg) {}
    void killWorker(pid_t worker) const;
    pid_t pid_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    int control_;
    int queue_;
    const config::Scan& cfg_;
    unsigned signatures_ = 0;
    long long db_version_ = 0, db_time_ = 0, loaded_ = 0;
    std::string problem_;
    mutable std::mutex control_mutex_;
    mutable std::atomic<bool> gone_{false};
};

}  // namespace moat::scand
