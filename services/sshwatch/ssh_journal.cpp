#include "ssh_journal.h"

#include <systemd/sd-journal.h>

#include <cstring>
#include <stdexcept>
#include <string_view>

namespace moat::sshwatch {
namespace {

void check(int rc, const char* what) {
    if (rc < 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(-rc));
}

}  // namespace

SshJournal::SshJournal() {
    check(sd_journal_open(&journal_, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM),
          "cannot open the journal");
    // Same field: OR; different fields: AND; a disjunction ORs two such terms.
    // sshd's lines as root, known by the name journald reads from /proc
    // (_COMM) or, when the sender had already exited before journald looked
    // (a pre-authentication process logs "Invalid user" and is gone), by the
    // name the syslog call itself carries. _UID is always the kernel's word,
    // so no unprivileged process can pass its lines off as sshd's.
    for (const char* match : {"_COMM=sshd", "_COMM=sshd-session", "_UID=0"})
        check(sd_journal_add_match(journal_, match, 0), "journal match");
    check(sd_journal_add_disjunction(journal_), "journal match");
    for (const char* match : {"SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session", "_UID=0"})
        check(sd_journal_add_match(journal_, match, 0), "journal match");
    check(sd_journal_seek_tail(journal_), "journal seek");
    // After seek_tail the cursor is past the end; stepping back once makes
    // the next sd_journal_next() return the first entry written after now.
    sd_journal_previous(journal_);
}

SshJournal::~SshJournal() {
    sd_journal_close(journal_);
}

void SshJournal::wait(std::chrono::milliseconds timeout) {
    check(sd_journal_wait(journal_, static_cast<std::uint64_t>(timeout.count()) * 1000),
          "journal wait");
}

std::optional<std::string> SshJournal::next() {
    for (;;) {
        int rc = sd_journal_next(journal_);
        check(rc, "journal read");
        if (rc == 0) return std::nullopt;
        const void* data = nullptr;
        std::size_t size = 0;
        if (sd_journal_get_data(journal_, "MESSAGE", &data, &size) < 0)
            continue;  // no text: not ours
        std::string_view field(static_cast<const char*>(data), size);
        constexpr std::string_view kPrefix = "MESSAGE=";
        if (field.substr(0, kPrefix.size()) != kPrefix) continue;
        return std::string(field.substr(kPrefix.size()));
    }
}

}  // namespace moat::sshwatch
