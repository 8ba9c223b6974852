// One compiled ClamAV engine: the signatures of the configured directories
// loaded and compiled once, then only read (by the scan workers forked after it). Built
// off the hot path by SignatureWatcher and shared through std::shared_ptr, so
// a scan that started with an engine keeps it until it ends.
#pragma once

#include <clamav.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace moat::scand {

class SignatureEngine {
  public:
    // Loads every signature file of dirs (missing directories are skipped).
    // Returns null with `problem` set when nothing loaded or ClamAV failed.
    static std::shared_ptr<const SignatureEngine> build(const config::Scan& cfg,
                                                        const std::vector<std::string>& dirs,
                                                        std::string& problem);
    ~SignatureEngine();
    SignatureEngine(const SignatureEngine&) = delete;
    SignatureEngine& operator=(const SignatureEngine&) = delete;

    const cl_engine* get() const { return engine_; }
    // Only in a scan worker, right after fork and before its first scan:
    // points this process's copy of the engine (fork made it copy-on-write;
    // the host's and the other workers' are untouched) at dir for libclamav's
    // temporary files. libclamav reads the setting at each scan, so a compiled
    // engine may take it. Const because to every other user the engine is
    // read-only. false when libclamav refused (out of memory).
    bool useTempDirInWorker(const std::string& dir) const;
    unsigned signatures() const { return signatures_; }
    // The database version and build time (epoch) ClamAV read from the
    // loaded daily/main databases' headers; 0 when none had one.
    long long dbVersion() const { return db_version_; }
    long long dbTime() const { return db_time_; }

  private:
    SignatureEngine(cl_engine* engine, unsigned signatures)
        : engine_(engine), signatures_(signatures) {}
    cl_engine* engine_;
    unsigned signatures_;
    long long db_version_ = 0;
    long long db_time_ = 0;
};

}  // namespace moat::scand
