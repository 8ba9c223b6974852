#include "scan_process.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "content/mime_decoder.h"
#include "scan/scan_reply.h"

namespace moat::scand {
namespace {

using scan::ScanResult;

// Runs in the child only: no locks, no logging, no return.
ScanResult scanMessage(int fd, const SignatureEngine* engine, const config::Scan& cfg,
                       const scan::AttachmentRules& rules) {
    // ClamAV's encrypted-archive heuristic does not say which attachment; the
    // attachment policy below usually can, so its answer is preferred.
    std::optional<ScanResult> encrypted;
    if (engine) {
        cl_scan_options options{};
        options.general = CL_SCAN_GENERAL_HEURISTICS;
        options.parse = ~0u;
        if (cfg.block_encrypted) options.heuristic |= CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE;
        const char* name = nullptr;
        unsigned long scanned = 0;
        cl_error_t r = cl_scandesc(fd, nullptr, &name, &scanned, engine->get(), &options);
        if (r == CL_VIRUS) {
            std::string virus = name ? name : "unknown";
            // ClamAV marks names from databases without Talos' signature (local and
            // third-party ones) ".UNOFFICIAL"; senders see the signature's own name.
            constexpr std::string_view kUnofficial = ".UNOFFICIAL";
            if (virus.size() > kUnofficial.size() && virus.ends_with(kUnofficial))
                virus.resize(virus.size() - kUnofficial.size());
            if (virus.rfind("Heuristics.Encrypted", 0) != 0)
                return {ScanResult::Kind::virus, virus};
            encrypted = ScanResult{ScanResult::Kind::blocked, "encrypted archive (" + virus + ")"};
        } else if (r != CL_CLEAN) {
            return {ScanResult::Kind::error, std::string("virus scan failed: ") + cl_strerror(r)};
        }
    }
    ScanResult clean = encrypted.value_or(ScanResult{ScanResult::Kind::clean, ""});
    struct stat st {};
    if (::fstat(fd, &st) != 0) return {ScanResult::Kind::error, "cannot read the message"};
    if (st.st_size == 0) return clean;
    void* map =
        ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) return {ScanResult::Kind::error, "cannot map the message"};
    std::string_view raw(static_cast<const char*>(map), static_cast<std::size_t>(st.st_size));
    auto decoded = content::decodeMessage(raw);
    if (auto blocked = scan::checkAttachments(decoded, rules))
        return {ScanResult::Kind::blocked, *blocked};
    return clean;
}

// Other scans' pipes and the host's socket must not stay open in this
// process: whoever waits for EOF on one of them would wait for this one too.
void closeAllExcept(int a, int b) {
    int lo = std::min(a, b), hi = std::max(a, b);
    if (lo > 3) ::close_range(3, static_cast<unsigned>(lo) - 1, 0);
    if (hi > lo + 1) ::close_range(static_cast<unsigned>(lo) + 1, static_cast<unsigned>(hi) - 1, 0);
    ::close_range(static_cast<unsigned>(hi) + 1, ~0u, 0);
}

}  // namespace

[[noreturn]] void runScan(int fd, int out, const SignatureEngine* engine, const config::Scan& cfg,
                          const scan::AttachmentRules& rules) {
    closeAllExcept(fd, out);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    std::signal(SIGALRM, SIG_DFL);
    // The wall clock ends a scan that hangs (SIGALRM's default action kills
    // even a process stuck on a lock); CPU time one that spins.
    ::alarm(static_cast<unsigned>(cfg.timeout.count()));
    rlimit cpu{static_cast<rlim_t>(cfg.timeout.count()) + 1,
               static_cast<rlim_t>(cfg.timeout.count()) + 2};
    ::setrlimit(RLIMIT_CPU, &cpu);
    ScanResult result;
    try {
        result = scanMessage(fd, engine, cfg, rules);
    } catch (const std::exception& e) {
        result = {ScanResult::Kind::error, std::string("scan failed: ") + e.what()};
    }
    std::string line = scan::formatScanReply(result);
    ssize_t n = ::write(out, line.data(), line.size());
    ::_exit(n == static_cast<ssize_t>(line.size()) ? 0 : 1);
}

}  // namespace moat::scand
