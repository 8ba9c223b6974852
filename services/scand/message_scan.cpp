#include "message_scan.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>

#include "content/content_view.h"
#include "content/gtube.h"
#include "content/mime_decoder.h"
#include "scan/scan_reply.h"

namespace moat::scand {
namespace {

using scan::ScanResult;

// ClamAV marks names from databases without Talos' signature (local and
// third-party ones) ".UNOFFICIAL"; senders see the signature's own name.
std::string virusName(const char* name) {
    std::string virus = name ? name : "unknown";
    constexpr std::string_view kUnofficial = ".UNOFFICIAL";
    if (virus.size() > kUnofficial.size() && virus.ends_with(kUnofficial))
        virus.resize(virus.size() - kUnofficial.size());
    return virus;
}

cl_scan_options scanOptions() {
    cl_scan_options options{};
    options.general = CL_SCAN_GENERAL_HEURISTICS;
    options.parse = ~0u;
    return options;
}

// A file decrypted from a password-protected archive, scanned in memory. The
// encrypted-archive heuristic stays off: the attachment policy opens (or
// judges) encrypted archives inside it itself.
std::optional<std::string> scanDecrypted(const SignatureEngine& engine, std::string_view bytes) {
    std::unique_ptr<cl_fmap_t, decltype(&cl_fmap_close)> map(
        cl_fmap_open_memory(bytes.data(), bytes.size()), cl_fmap_close);
    if (!map) throw std::bad_alloc();
    cl_scan_options options = scanOptions();
    const char* name = nullptr;
    unsigned long scanned = 0;
    cl_error_t r =
        cl_scanmap_callback(map.get(), nullptr, &name, &scanned, engine.get(), &options, nullptr);
    if (r == CL_VIRUS) return virusName(name);
    if (r != CL_CLEAN)
        throw std::runtime_error(std::string("virus scan of a decrypted file failed: ") +
                                 cl_strerror(r));
    return std::nullopt;
}

// A view that cannot be written (too large, a failed write) is left out:
// moat-smtpd then decodes the message itself.
void writeView(int fd, const content::DecodedMessage& decoded, bool raw_gtube) {
    auto view = content::encodeContentView(decoded, raw_gtube);
    if (!view) return;
    std::string_view left = *view;
    while (!left.empty()) {
        ssize_t n = ::write(fd, left.data(), left.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        left.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

scan::ScanResult scanMessage(int fd, int view_fd, std::size_t skip, const SignatureEngine* engine,
                             const config::Scan& cfg, const scan::AttachmentRules& rules) {
    using scan::ScanResult;
    // ClamAV's encrypted-archive heuristic does not say which attachment; the
    // attachment policy below usually can, so its answer is preferred.
    std::optional<std::string> encrypted;
    if (engine) {
        cl_scan_options options = scanOptions();
        if (cfg.block_encrypted) options.heuristic |= CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE;
        const char* name = nullptr;
        unsigned long scanned = 0;
        cl_error_t r = cl_scandesc(fd, nullptr, &name, &scanned, engine->get(), &options);
        if (r == CL_VIRUS) {
            std::string virus = virusName(name);
            if (virus.rfind("Heuristics.Encrypted", 0) != 0)
                return {ScanResult::Kind::virus, virus};
            encrypted = virus;
        } else if (r != CL_CLEAN) {
            return {ScanResult::Kind::error, std::string("virus scan failed: ") + cl_strerror(r)};
        }
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) return {ScanResult::Kind::error, "cannot read the message"};
    scan::AttachmentReport report;
    if (st.st_size > 0) {
        void* map =
            ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) return {ScanResult::Kind::error, "cannot map the message"};
        // A worker scans many messages: each mapping goes when its scan does.
        struct Unmap {
            void* p;
            std::size_t n;
            ~Unmap() { ::munmap(p, n); }
        } unmap{map, static_cast<std::size_t>(st.st_size)};
        std::string_view raw(static_cast<const char*>(map), static_cast<std::size_t>(st.st_size));
        raw.remove_prefix(std::min(skip, raw.size()));
        scan::VirusScan scan;
        if (engine)
            scan = [engine](std::string_view bytes) { return scanDecrypted(*engine, bytes); };
        // The one decode of this message: the attachment policy's, and (as
        // the content view) the content scorer's in moat-smtpd.
        auto decoded = content::decodeMessage(raw);
        report = scan::checkAttachments(decoded, rules, scan);
        if (!report.refusal && view_fd >= 0) writeView(view_fd, decoded, content::containsGtube(raw));
    }
    if (report.refusal) return *report.refusal;
    // ClamAV's heuristic stands unless every encrypted archive it may have
    // meant was opened here (and found clean).
    bool all_opened =
        !report.encrypted.empty() &&
        std::all_of(report.encrypted.begin(), report.encrypted.end(), [](const auto& e) {
            return e.outcome == scan::EncryptedArchive::Outcome::opened;
        });
    if (encrypted && !all_opened)
        return {ScanResult::Kind::blocked, "encrypted archive (" + *encrypted + ")"};
    return {ScanResult::Kind::clean, report.summary()};
}

}  // namespace moat::scand
