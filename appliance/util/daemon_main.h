// The command line every Moat daemon shares: `--config FILE` (or
// `--config=FILE`, default /etc/moat/moat.ini), `--help`, and flags of the
// program's own that act and exit (moat-webui's --list-routes). Then run()
// with the configuration path; an exception escaping it is printed as
// "<program>: <message>" and ends the process with status 1, so systemd logs
// the reason and restarts the daemon.
#pragma once

#include <csignal>
#include <functional>
#include <string>
#include <vector>

namespace moat::util {

struct ExitFlag {
    std::string name;             // "--list-routes"
    std::string help;             // one line for the usage text
    std::function<int()> action;  // its exit status
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every
// thread it starts afterwards) and ignores SIGPIPE: the main thread alone takes
// the returned signals, synchronously, with sigwait/sigtimedwait. Call it
// before starting any thread.
sigset_t blockDaemonSignals();

int daemonMain(int argc, char** argv, const std::string& program,
               const std::function<int(const std::string& config_path)>& run,
               const std::vector<ExitFlag>& flags = {});

}  // namespace moat::util
