// A scan host: a single-threaded process forked from moat-scand that loads
// and compiles one generation of signatures, then forks one scan process per
// message (runScan). Forking only from a single-threaded process is what
// makes the scans safe: moat-scand's own threads may hold any lock when it
// forks, but no libclamav or OpenSSL state is ever used in moat-scand itself.
// A reload starts a new host; the old one exits when its last user drops it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "scan/attachment_policy.h"
#include "scan/scan_reply.h"

namespace moat::scand {

class ScanHost {
  public:
    // Forks the host and waits until it has loaded its signatures (or failed
    // to); null when the host could not be started at all.
    static std::shared_ptr<ScanHost> start(const config::Scan& cfg,
                                           const scan::AttachmentRules& rules);
    ~ScanHost();
    ScanHost(const ScanHost&) = delete;
    ScanHost& operator=(const ScanHost&) = delete;

    unsigned signatures() const { return signatures_; }      // 0: none loaded
    const std::string& problem() const { return problem_; }  // why none loaded
    long long dbVersion() const { return db_version_; }       // ClamAV database version (0: unknown)
    long long dbTime() const { return db_time_; }             // its build time, epoch (0: unknown)
    long long loaded() const { return loaded_; }              // when the host reported, epoch

    // Scans one message (fd open for reading; stays the caller's); "error"
    // when the scan process crashed, hung past the timeout or said nothing valid.
    scan::ScanResult scan(int message_fd) const;
    // The host process is gone (it crashed or was killed): a new one is needed.
    bool gone() const { return gone_; }

  private:
    ScanHost(pid_t pid, int control, const config::Scan& cfg)
        : pid_(pid), control_(control), cfg_(cfg) {}
    pid_t pid_;
    int control_;  // SOCK_SEQPACKET: one request (two descriptors) per message
    const config::Scan& cfg_;
    unsigned signatures_ = 0;
    long long db_version_ = 0, db_time_ = 0, loaded_ = 0;
    std::string problem_;
    mutable std::mutex send_mutex_;
    mutable std::atomic<bool> gone_{false};
};

}  // namespace moat::scand
