// sshd's messages in the systemd journal (libsystemd's sd-journal), read as
// they arrive. Only entries whose trusted fields (set by journald, not by the
// sender) say they come from sshd's privileged monitor are read: _COMM sshd
// or sshd-session and _UID 0. A local user can log text that reads like
// sshd's (logger -t sshd) but cannot forge those, so cannot get an address
// blocked through moat-sshwatch.
#pragma once

#include <chrono>
#include <optional>
#include <string>

struct sd_journal;

namespace moat::sshwatch {

class SshJournal {
  public:
    // The local system journal, positioned after its last entry: what sshd
    // logged before the start is not counted. Throws std::runtime_error.
    SshJournal();
    ~SshJournal();
    SshJournal(const SshJournal&) = delete;
    SshJournal& operator=(const SshJournal&) = delete;

    // Waits until the journal changes or timeout passes.
    void wait(std::chrono::milliseconds timeout);
    // The next entry's MESSAGE, or nothing when there is none yet.
    std::optional<std::string> next();

  private:
    sd_journal* journal_ = nullptr;
};

}  // namespace moat::sshwatch
