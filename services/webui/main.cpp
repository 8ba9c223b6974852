// moat-webui: the administration console — HTTPS (CivetWeb), the browser UI's
// static files and the JSON API under /api/v1. Runs in the foreground under
// systemd as its own unprivileged user, stops cleanly on SIGTERM. With no
// administrator account it logs a one-time first-run link.
// Usage: moat-webui [--config FILE] | --list-routes
#include <Poco/Exception.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/api.h"
#include "civet_server.h"
#include "config/config.h"
#include "net/cidr.h"
#include "net/tls.h"
#include "store/store.h"
#include "util/daemon_main.h"
#include "util/log.h"
#include "web/auth_api.h"
#include "web/console_handler.h"
#include "web/firewall_link.h"
#include "web/first_run.h"
#include "web/session_store.h"

using namespace moat;

namespace {

web::Router buildRouter() {
    web::Router router;
    web::registerAuthApi(router);
    api::registerApi(router);
    return router;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// CivetWeb takes the key and the certificate chain from one PEM file; it is
// written beside the self-signed pair, readable by this user only.
std::string combinedPem(const std::string& cert, const std::string& key, const std::string& dir) {
    std::filesystem::create_directories(dir);
    auto path = dir + "/webui.pem";
    auto tmp = path + ".tmp";
    auto content = readFile(key) + "\n" + readFile(cert);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
        throw std::runtime_error("cannot write " + path);
    return path;
}

std::string linkHost(const config::Config& cfg) {
    const auto& host = cfg.web.listen.host;
    if (host == "0.0.0.0" || host == "::" || host.empty()) return cfg.smtp.hostname;
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

int run(const std::string& config_path) {
    auto cfg = config::load(config_path);
    log::setLevel(log::parseLevel(cfg.log_level));

    sigset_t signals = util::blockDaemonSignals();

    auto store = store::Store::open(cfg.store_url);

    std::string tls_dir = cfg.spool_dir + "/tls";
    std::string cert = cfg.web.tls_cert, key = cfg.web.tls_key;
    if (cert.empty()) {
        cert = tls_dir + "/webui-selfsigned.crt";
        key = tls_dir + "/webui-selfsigned.key";
        net::ensureSelfSignedCertificate(cert, key, cfg.smtp.hostname);
    }
    auto pem = combinedPem(cert, key, tls_dir);

    auto router = buildRouter();
    web::FirewallReporter firewall(cfg.firewall.socket, *store);
    web::ConsoleHandler handler(*store, cfg, router, &firewall);
    for (const auto& network : cfg.web.trusted_networks)
        if (!net::Cidr::parse(network))
            throw std::runtime_error("[web] trusted_networks: " + network + " is not a CIDR network");
    webui::CivetServer server(
        {cfg.web.listen.host, cfg.web.listen.port, pem, cfg.web.threads, cfg.web.request_timeout_ms},
        handler);
    std::string base = "https://" + linkHost(cfg) + ":" + std::to_string(cfg.web.listen.port);
    {
        auto db = store->connect();
        if (auto token = web::createFirstRunToken(db, store::nowSeconds()))
            log::info(
                "webui: no administrator yet — open " + base + "/#/first-run/" + *token +
                " to create one (valid 24 hours), or run: moatctl user add NAME --role admin");
    }
    // Logged last: whoever waits for this line finds the first-run link above it.
    log::info("webui: listening on " + cfg.web.listen.host + ":" +
              std::to_string(cfg.web.listen.port) + " (assets " + cfg.web.assets + ")");

    web::SessionStore sessions(cfg.web.session_idle, cfg.web.session_max);
    timespec every{300, 0};
    for (;;) {
        int sig = sigtimedwait(&signals, nullptr, &every);
        if (sig < 0) {
            try {
                auto db = store->connect();
                sessions.purge(db, store::nowSeconds());
            } catch (const Poco::Exception& e) {
                log::warning("webui: cannot remove expired sessions: " + e.displayText());
            }
            continue;
        }
        if (sig == SIGHUP) continue;
        log::info(std::string("webui: ") + strsignal(sig) + ", shutting down");
        break;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return util::daemonMain(argc, argv, "moat-webui", run,
                            {{"--list-routes", "print every API route as METHOD PATTERN and exit", [] {
                                  for (const auto& [method, pattern] : buildRouter().routes())
                                      std::cout << method << " " << pattern << "\n";
                                  return 0;
                              }}});
}
