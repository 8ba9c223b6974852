#include "scan/archive_password.h"

#include <archive_entry.h>

#include "scan/archive_reader.h"

namespace moat::scan {
namespace {

using Clock = std::chrono::steady_clock;

enum class Attempt { opened, failed, timed_out };

Attempt tryPassword(std::string_view data, std::size_t entry_index, const std::string& password,
                    Clock::time_point deadline, std::size_t max_bytes) {
    ArchivePtr a = archiveReader();
    if (archive_read_add_passphrase(a.get(), password.c_str()) != ARCHIVE_OK ||
        !openArchive(a.get(), data))
        return Attempt::failed;
    archive_entry* entry = nullptr;
    for (std::size_t i = 0; i <= entry_index; ++i)
        if (archive_read_next_header(a.get(), &entry) < ARCHIVE_WARN) return Attempt::failed;
    char buf[64 * 1024];
    for (std::size_t read = 0; read < max_bytes;) {
        if (Clock::now() >= deadline) return Attempt::timed_out;
        la_ssize_t n = archive_read_data(a.get(), buf, sizeof(buf));
        if (n == 0) return Attempt::opened;
        if (n < 0) return Attempt::failed;
        read += static_cast<std::size_t>(n);
    }
    return Attempt::opened;
}

}  // namespace

PasswordSearch findArchivePassword(std::string_view data, std::size_t entry_index,
                                   const std::vector<std::string>& candidates,
                                   Clock::time_point deadline, std::size_t max_bytes) {
    PasswordSearch search;
    for (const auto& password : candidates) {
        if (Clock::now() >= deadline) {
            search.outcome = PasswordSearch::Outcome::timed_out;
            return search;
        }
        ++search.tried;
        switch (tryPassword(data, entry_index, password, deadline, max_bytes)) {
            case Attempt::opened:
                search.outcome = PasswordSearch::Outcome::found;
                search.password = password;
                return search;
            case Attempt::timed_out:
                search.outcome = PasswordSearch::Outcome::timed_out;
                return search;
            case Attempt::failed:
                break;
        }
    }
    return search;
}

}  // namespace moat::scan
