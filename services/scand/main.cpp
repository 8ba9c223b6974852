// moat-scand: virus (libclamav) and attachment-policy scanning for moat-smtpd.
// Runs unprivileged with no network (systemd/moat-scand.service); takes
// requests on the [scan] socket, each message as a passed file descriptor;
// a scan host process (scan_host.h) holds the compiled signatures and a pool
// of pre-forked, confined scan workers (worker_pool.h, scan_worker.h) with a
// time limit per message, so a crash or hang on hostile input loses only that
// scan. Usage: moat-scand [--config FILE]
#include <clamav.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <semaphore>
#include <thread>

#include "config/config.h"
#include "content/gmime_init.h"
#include "scan/attachment_policy.h"
#include "scan/scan_reply.h"
#include "scan/scan_request.h"
#include "signature_watcher.h"
#include "util/daemon_main.h"
#include "util/log.h"

using namespace moat;

// Read by AddressSanitizer's runtime at start (never called otherwise): a
// failed allocation returns null, as glibc's does, so that a scan worker at
// its memory limit ([scan] worker_memory) behaves under the sanitizer as in
// production — libarchive and libclamav report the failure — instead of the
// runtime ending the worker.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

namespace {

// Connections being answered at once; past this a client gets "error busy".
constexpr int kMaxConnections = 256;

struct Shared {
    const config::Scan& cfg;
    scand::SignatureWatcher& watcher;
    std::counting_semaphore<1024> workers;
    std::atomic<int> connections{0};
};

void sendReply(int conn, const scan::ScanResult& r) {
    std::string line = scan::formatScanReply(r);
    // The client waits for this line; a failed send only means it has gone.
    [[maybe_unused]] ssize_t n = ::send(conn, line.data(), line.size(), MSG_NOSIGNAL);
}

void serve(Shared& shared, int conn) {
    std::string problem;
    auto request = scan::readScanRequest(conn, std::chrono::seconds(10), problem);
    if (!request) {
        log::warning("scand: refused a request: " + problem);
        sendReply(conn, {scan::ScanResult::Kind::error, "bad request"});
        return;
    }
    auto host = shared.watcher.current();
    scan::ScanResult result;
    if (!host) {
        result = {scan::ScanResult::Kind::error, "no scan host"};
        shared.watcher.reloadNow();
    } else if (host->signatures() == 0 && !shared.cfg.no_signatures_accept) {
        result = {scan::ScanResult::Kind::unavailable, "no virus signatures loaded"};
    } else {
        shared.workers.acquire();
        result = host->scan(*request);
        shared.workers.release();
        if (host->gone()) {
            log::error("scand: the scan host process is gone; starting a new one");
            shared.watcher.reloadNow();
        }
    }
    ::close(request->message);
    if (request->view >= 0) ::close(request->view);
    if (result.kind == scan::ScanResult::Kind::error)
        log::warning("scand: " + result.detail);
    else if (result.kind != scan::ScanResult::Kind::clean)
        log::info("scand: " + std::string(scan::kindName(result.kind)) + " " + result.detail);
    sendReply(conn, result);
}

int listenOn(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        throw std::runtime_error("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.data(), path.size());
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    ::unlink(path.c_str());  // a stale socket of an earlier run
    if (::bind(s, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(s, 128) != 0)
        throw std::runtime_error("cannot listen on " + path + ": " + std::strerror(errno));
    ::chmod(path.c_str(), 0660);  // moat-smtpd reaches it through the socket's group
    return s;
}

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));
    if (cfg.scan.socket.empty())
        throw std::runtime_error("[scan] socket is empty: scanning is disabled");

    sigset_t signals = util::blockDaemonSignals();

    cl_error_t init = cl_init(CL_INIT_DEFAULT);
    if (init != CL_SUCCESS) throw std::runtime_error(std::string("cl_init: ") + cl_strerror(init));
    content::ensureGmime();  // once here, before any thread, so scan hosts inherit it

    scan::AttachmentRules rules;
    rules.extensions = cfg.scan.blocked_extensions;
    rules.types = cfg.scan.blocked_types;
    rules.block_encrypted = cfg.scan.block_encrypted;
    rules.max_depth = static_cast<std::size_t>(cfg.scan.max_recursion);
    rules.max_entries = static_cast<std::size_t>(cfg.scan.max_files);
    rules.max_entry_bytes = cfg.scan.max_filesize;
    rules.max_total_bytes = cfg.scan.max_scansize;
    // Forked now, while this process has one thread; it forks every scan host.
    scand::HostLauncher launcher(
        [&](int control, int queue) { scand::ScanHost::run(control, queue, cfg.scan, rules); });
    scand::SignatureWatcher watcher(cfg.scan, launcher);
    Shared shared{cfg.scan, watcher, std::counting_semaphore<1024>(cfg.scan.workers), {}};

    int listener = listenOn(cfg.scan.socket);
    std::thread acceptor([&] {
        for (;;) {
            int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (conn < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (errno == EMFILE || errno == ENFILE) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    continue;
                }
                return;  // the listener was shut down
            }
            if (shared.connections.fetch_add(1) >= kMaxConnections) {
                sendReply(conn, {scan::ScanResult::Kind::error, "scanner busy"});
                ::close(conn);
                shared.connections.fetch_sub(1);
                continue;
            }
            std::thread([&shared, conn] {
                serve(shared, conn);
                ::close(conn);
                shared.connections.fetch_sub(1);
            }).detach();
        }
    });
    log::info("scand: listening on " + cfg.scan.socket);

    for (;;) {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGHUP) {
            log::info("scand: SIGHUP: reloading signatures");
            watcher.reloadNow();
            continue;
        }
        log::info(std::string("scand: ") + strsignal(sig) + ", shutting down");
        break;
    }
    ::shutdown(listener, SHUT_RDWR);
    acceptor.join();
    ::close(listener);
    ::unlink(cfg.scan.socket.c_str());
    // Scans still running answer their clients or are cut off; smtpd tempfails those.
    std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
    return util::daemonMain(argc, argv, "moat-scand", run);
}
