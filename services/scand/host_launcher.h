// The scan host launcher: a small single-threaded process that moat-scand
// forks once at start, before it starts any thread, and that forks every scan
// host after that on moat-scand's request.
//
// Why: a reload starts a new host while moat-scand's threads are answering
// clients. fork() from a multithreaded process copies whatever locks those
// threads hold at that moment (the allocator's among them: the sanitizer
// runtime's allocator has no fork handlers), and the host could wait on one
// forever while it loads its engine. The launcher never has a second thread,
// so every host begins from a clean, quiescent copy of moat-scand as it was
// after its configuration was read.
//
// Each host is created with CLONE_PARENT: its parent is moat-scand, not the
// launcher, so moat-scand reaps it (ScanHost's destructor) as before and the
// process tree stays daemon → hosts → workers, plus the launcher.
//
// Protocol (one SOCK_SEQPACKET pair): moat-scand sends "H"; the launcher
// answers "<pid>" with the host's control and queue descriptors attached, or
// "E <errno>" with none. The launcher exits when moat-scand's end closes
// (and by PDEATHSIG if moat-scand dies). If the launcher is gone, no new host
// can be started safely, so moat-scand exits and its supervisor restarts it:
// at its next check (SignatureWatcher, every reload_interval, at most 30 s)
// or at a reload, whichever comes first.
#pragma once

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace moat::scand {

class HostLauncher {
  public:
    // What a new host runs: given its ends of the control and queue pairs, it
    // never returns (it ends with _exit).
    using HostBody = std::function<void(int control, int queue)>;

    // Forks the launcher. Call while moat-scand is still single-threaded.
    // Throws std::runtime_error if it cannot.
    explicit HostLauncher(HostBody body);
    ~HostLauncher();
    HostLauncher(const HostLauncher&) = delete;
    HostLauncher& operator=(const HostLauncher&) = delete;

    struct Host {
        pid_t pid;
        int control;  // moat-scand's ends; the caller owns them
        int queue;
    };
    // Asks for a new host (thread-safe). nullopt with `problem` set when the
    // launcher could not start one; `launcher_gone` tells the caller the
    // launcher itself is gone.
    std::optional<Host> launch(std::string& problem, bool& launcher_gone);

    // False once the launcher has ended (it is reaped here; the caller is its
    // parent). Checked regularly, so that its loss ends moat-scand at once
    // rather than at the next reload.
    bool alive();

    pid_t pid() const { return pid_; }

  private:
    pid_t pid_ = -1;
    int sock_ = -1;
    bool ended_ = false;  // reaped by alive()
    std::mutex mutex_;
};

}  // namespace moat::scand
