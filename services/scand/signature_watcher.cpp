#include "signature_watcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "status_file.h"
#include "util/log.h"

#include <clamav.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>

namespace moat::scand {

SignatureWatcher::SignatureWatcher(const config::Scan& cfg, HostLauncher& launcher)
    : cfg_(cfg), launcher_(launcher), dirs_{cfg.signatures, cfg.local_signatures} {
    reload(fingerprint());
    writeStatus();
    thread_ = std::thread([this] { run(); });
}

SignatureWatcher::~SignatureWatcher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

std::shared_ptr<ScanHost> SignatureWatcher::current() const {
    std::lock_guard lock(mutex_);
    return host_;
}

void SignatureWatcher::reloadNow() {
    {
        std::lock_guard lock(mutex_);
        reload_requested_ = true;
    }
    cv_.notify_all();
}

std::string SignatureWatcher::fingerprint() const {
    std::vector<std::string> entries;
    for (const auto& dir : dirs_) {
        std::error_code ec;
        for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
             it.increment(ec)) {
            struct stat st {};
            if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
            entries.push_back(it->path().string() + ' ' + std::to_string(st.st_size) + ' ' +
                              std::to_string(st.st_mtim.tv_sec) + '.' +
                              std::to_string(st.st_mtim.tv_nsec) + ' ' + std::to_string(st.st_ino));
        }
    }
    std::sort(entries.begin(), entries.end());
    std::string out;
    for (const auto& e : entries) out += e + '\n';
    return out;
}

void SignatureWatcher::launcherLost(const std::string& problem) {
    // No host can be started safely any more (host_launcher.h): the
    // supervisor restarts moat-scand with a new launcher.
    log::error("scand: " + problem + "; exiting");
    std::_Exit(EXIT_FAILURE);
}

void SignatureWatcher::reload(const std::string& print) {
    std::string problem;
    bool launcher_gone = false;
    auto host = ScanHost::start(launcher_, cfg_, problem, launcher_gone);
    if (launcher_gone) launcherLost(problem);
    std::shared_ptr<ScanHost>
        old;  // released outside the lock: its destructor waits for the process
    std::lock_guard lock(mutex_);
    loaded_fingerprint_ = print;
    if (!host) {
        log::error("scand: " + problem + "; keeping the one in use");
        return;
    }
    if (host->signatures() == 0) {
        if (host_ && host_->signatures() > 0) {
            log::error("scand: signature reload failed, keeping the loaded signatures: " +
                       host->problem());
            old = std::move(host);
            return;
        }
        log::error("scand: " + host->problem() + "; mail is " +
                   (cfg_.no_signatures_accept ? "passed unscanned" : "tempfailed") +
                   " until signatures load");
    } else {
        log::info("scand: loaded " + std::to_string(host->signatures()) + " signatures from " +
                  cfg_.signatures + " and " + cfg_.local_signatures);
    }
    old = std::move(host_);
    host_ = std::move(host);
}

void SignatureWatcher::writeStatus() {
    auto host = current();
    ScanStatus status;
    status.pid = ::getpid();
    status.clamav_version = cl_retver();
    if (host) {
        status.signatures = host->signatures();
        status.db_version = host->dbVersion();
        status.db_time = host->dbTime();
        status.loaded = host->signatures() ? host->loaded() : 0;
    }
    status.heartbeat = static_cast<long long>(std::time(nullptr));
    writeStatusFile(cfg_.status_file, status);
    last_status_ = std::chrono::steady_clock::now();
}

void SignatureWatcher::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        auto wait = std::min<std::chrono::steady_clock::duration>(cfg_.reload_interval, std::chrono::seconds(30));
        cv_.wait_for(lock, wait, [this] { return stopping_ || reload_requested_; });
        if (stopping_) return;
        bool forced = reload_requested_;
        reload_requested_ = false;
        std::string loaded = loaded_fingerprint_;
        lock.unlock();
        if (!launcher_.alive()) launcherLost("the scan host launcher is gone");
        std::string print = fingerprint();
        auto host = current();
        bool old = host && host->age() >= cfg_.host_max_age;
        if (forced || old || print != loaded) {
            // A file still being written would load half: wait until the directories are still.
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            std::string settled = fingerprint();
            if (settled == print) {
                reload(print);
                writeStatus();
            }
        }
        if (std::chrono::steady_clock::now() - last_status_ >= std::chrono::seconds(30)) writeStatus();
        lock.lock();
    }
}

}  // namespace moat::scand
