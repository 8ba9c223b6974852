#include "util/daemon_main.h"

#include "config/config.h"

#include <Poco/Exception.h>

#include <pthread.h>

#include <iostream>

namespace moat::util {

namespace {
int usage(std::ostream& out, const std::string& program, const std::vector<ExitFlag>& flags, int code) {
    out << "usage: " << program << " [--config FILE]";
    for (const auto& f : flags) out << " | " << f.name;
    out << "\n  --config FILE  configuration file (default " << config::kDefaultPath << ")\n";
    for (const auto& f : flags) out << "  " << f.name << "  " << f.help << "\n";
    return code;
}
}  // namespace

sigset_t blockDaemonSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return signals;
}

int daemonMain(int argc, char** argv, const std::string& program,
               const std::function<int(const std::string& config_path)>& run, const std::vector<ExitFlag>& flags) {
    std::string config_path = config::kDefaultPath;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--config" && i + 1 < argc) {
            config_path = argv[++i];
            continue;
        }
        if (arg.rfind("--config=", 0) == 0) {
            config_path = arg.substr(9);
            continue;
        }
        if (arg == "--help" || arg == "-h") return usage(std::cout, program, flags, 0);
        for (const auto& f : flags)
            if (arg == f.name) return f.action();
        std::cerr << program << ": unknown argument '" << arg << "'\n";
        return usage(std::cerr, program, flags, 2);
    }
    try {
        return run(config_path);
    } catch (const Poco::Exception& e) {
        std::cerr << program << ": " << e.displayText() << "\n";
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
    }
    return 1;
}

}  // namespace moat::util
