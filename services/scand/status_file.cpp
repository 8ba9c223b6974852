#include "status_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "util/log.h"

namespace moat::scand {

std::string statusJson(const ScanStatus& s) {
    std::string version;
    for (unsigned char c : s.clamav_version)
        if (version.size() < 64 &&
            (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '+'))
            version += static_cast<char>(c);
    return "{\"pid\":" + std::to_string(s.pid) + ",\"clamav_version\":\"" + version +
           "\",\"signatures\":" + std::to_string(s.signatures) +
           ",\"db_version\":" + std::to_string(s.db_version) +
           ",\"db_time\":" + std::to_string(s.db_time) + ",\"loaded\":" + std::to_string(s.loaded) +
           ",\"heartbeat\":" + std::to_string(s.heartbeat) + "}\n";
}

bool writeStatusFile(const std::string& path, const ScanStatus& status) {
    if (path.empty()) return true;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::string tmp = path + ".tmp";
    std::string text = statusJson(status);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    int err = errno;
    if (fd >= 0 && ::close(fd) != 0) ok = false;
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        log::warning("scand: cannot write " + path + ": " + std::strerror(err));
    }
    return ok;
}

}  // namespace moat::scand
