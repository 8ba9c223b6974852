#include "store/gateway_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace moat::store {

std::unique_ptr<GatewayLock> GatewayLock::acquire(const std::string& url) {
    if (url.rfind("sqlite:", 0) != 0) return nullptr;  // a shared SQL server coordinates itself
    std::string path = url.substr(7) + ".smtpd.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        throw std::runtime_error("store: cannot open the gateway lock " + path + ": " +
                                 std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char holder[32] = {};
        ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
        ::close(fd);
        std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "unknown";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        if (err == EWOULDBLOCK)
            throw std::runtime_error(
                "store: another moat-smtpd (pid " + pid + ") already uses " + url.substr(7) +
                " (lock " + path +
                " is held); two gateways cannot share one SQLite store — give each its own");
        throw std::runtime_error("store: cannot lock " + path + ": " + std::strerror(err));
    }
    std::string me = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
        ssize_t ignored = ::pwrite(fd, me.data(), me.size(), 0);
        (void)ignored;  // the pid is only a hint for the error message
    }
    return std::unique_ptr<GatewayLock>(new GatewayLock(fd, std::move(path)));
}

GatewayLock::~GatewayLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace moat::store
