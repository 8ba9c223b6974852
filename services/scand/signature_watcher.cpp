#include "signature_watcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "util/log.h"

namespace moat::scand {

SignatureWatcher::SignatureWatcher(const config::Scan& cfg)
    : cfg_(cfg), dirs_{cfg.signatures, cfg.local_signatures} {
    reload(fingerprint());
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

std::shared_ptr<const SignatureEngine> SignatureWatcher::current() const {
    std::lock_guard lock(mutex_);
    return engine_;
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

void SignatureWatcher::reload(const std::string& print) {
    std::string problem;
    auto engine = SignatureEngine::build(cfg_, dirs_, problem);
    std::lock_guard lock(mutex_);
    loaded_fingerprint_ = print;
    if (!engine) {
        if (engine_)
            log::error("scand: signature reload failed, keeping the loaded signatures: " + problem);
        else
            log::error("scand: " + problem + "; mail is " +
                       (cfg_.no_signatures_accept ? "passed unscanned" : "tempfailed") +
                       " until signatures load");
        return;
    }
    engine_ = std::move(engine);
    log::info("scand: loaded " + std::to_string(engine_->signatures()) + " signatures from " +
              cfg_.signatures + " and " + cfg_.local_signatures);
}

void SignatureWatcher::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait_for(lock, cfg_.reload_interval, [this] { return stopping_ || reload_requested_; });
        if (stopping_) return;
        bool forced = reload_requested_;
        reload_requested_ = false;
        std::string loaded = loaded_fingerprint_;
        lock.unlock();
        std::string print = fingerprint();
        if (forced || print != loaded) {
            // A file still being written would load half: wait until the directories are still.
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            std::string settled = fingerprint();
            if (settled == print) reload(print);
        }
        lock.lock();
    }
}

}  // namespace moat::scand
