#include "scan_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

#include "content/mime_decoder.h"

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

// Other threads' pipes and sockets must not stay open in this child: a
// parent waiting for EOF on its own child's pipe would wait for this one too.
void closeAllExcept(int a, int b) {
    int lo = std::min(a, b), hi = std::max(a, b);
    if (lo > 3) ::close_range(3, static_cast<unsigned>(lo) - 1, 0);
    if (hi > lo + 1) ::close_range(static_cast<unsigned>(lo) + 1, static_cast<unsigned>(hi) - 1, 0);
    ::close_range(static_cast<unsigned>(hi) + 1, ~0u, 0);
}

[[noreturn]] void childMain(int fd, int out, const SignatureEngine* engine, const config::Scan& cfg,
                            const scan::AttachmentRules& rules) {
    closeAllExcept(fd, out);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    // A second fence besides the parent's wall clock: CPU time.
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

}  // namespace

ScanResult scanInChild(int message_fd, const SignatureEngine* engine, const config::Scan& cfg,
                       const scan::AttachmentRules& rules) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return {ScanResult::Kind::error, "pipe failed"};
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipefd[0]);
        ::close(pipefd[1]);
        return {ScanResult::Kind::error, std::string("fork failed: ") + std::strerror(errno)};
    }
    if (pid == 0) {
        ::close(pipefd[0]);
        childMain(message_fd, pipefd[1], engine, cfg, rules);
    }
    ::close(pipefd[1]);

    auto deadline = std::chrono::steady_clock::now() + cfg.timeout;
    std::string line;
    bool timed_out = false;
    char buf[scan::kMaxReplyBytes];
    while (line.size() < scan::kMaxReplyBytes && (line.empty() || line.back() != '\n')) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{pipefd[0], POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        ssize_t n = ::read(pipefd[0], buf, scan::kMaxReplyBytes - line.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipefd[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) return {ScanResult::Kind::error, "scan timed out"};
    if (WIFSIGNALED(status))
        return {ScanResult::Kind::error, std::string("scanner process killed by signal ") +
                                             std::to_string(WTERMSIG(status))};
    auto parsed = scan::parseScanReply(line);
    if (!parsed) return {ScanResult::Kind::error, "scanner process gave no verdict"};
    return *parsed;
}

}  // namespace moat::scand
