#include "scan/scan_request.h"

#include "scan/fd_passing.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

namespace moat::scan {
namespace {

bool regularFile(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

bool writable(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ((flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR);
}

// "VIEW <skip>\n" -> skip.
std::optional<std::size_t> viewSkip(std::string_view line) {
    constexpr std::string_view kWord = "VIEW ";
    if (!line.starts_with(kWord) || !line.ends_with('\n')) return std::nullopt;
    return parseViewSkip(line.substr(kWord.size(), line.size() - kWord.size() - 1));
}

}  // namespace

std::optional<std::size_t> parseViewSkip(std::string_view digits) {
    if (digits.empty() || digits.size() > 6 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
    std::size_t skip = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), skip);
    if (ec != std::errc() || end != digits.data() + digits.size() || skip > kMaxViewSkip) return std::nullopt;
    return skip;
}

std::string formatScanRequest(std::optional<std::size_t> view_skip) {
    return view_skip ? "VIEW " + std::to_string(*view_skip) + "\n" : "SCAN\n";
}

std::optional<ScanRequest> readScanRequest(int conn, std::chrono::milliseconds timeout,
                                           std::string& problem) {
    pollfd p{conn, POLLIN, 0};
    int r;
    while ((r = ::poll(&p, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
    }
    if (r <= 0) {
        problem = "no request in time";
        return std::nullopt;
    }
    auto got = receiveWithFds(conn, 16, 4, MSG_DONTWAIT);
    auto& fds = got.fds;
    auto refuse = [&](const char* why) -> std::optional<ScanRequest> {
        for (int fd : fds) ::close(fd);
        problem = why;
        return std::nullopt;
    };
    if (got.bytes < 0) return refuse("cannot read the request");
    if (got.truncated) return refuse("request truncated");
    ScanRequest request;
    std::size_t wanted = 1;
    if (auto skip = viewSkip(got.data)) {
        request.skip = *skip;
        wanted = 2;
    } else if (got.data != "SCAN\n") {
        return refuse("malformed request");
    }
    if (fds.size() != wanted)
        return refuse(wanted == 1 ? "request without exactly one file descriptor"
                                  : "view request without exactly two file descriptors");
    if (!regularFile(fds[0])) return refuse("descriptor is not a regular file");
    if (wanted == 2 && (!regularFile(fds[1]) || !writable(fds[1])))
        return refuse("view descriptor is not a writable regular file");
    request.message = fds[0];
    if (wanted == 2) request.view = fds[1];
    return request;
}

}  // namespace moat::scan
