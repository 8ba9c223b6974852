#include "config/config.h"

#include <Poco/AutoPtr.h>
#include <Poco/Environment.h>
#include <Poco/Net/DNS.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/Util/IniFileConfiguration.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <stdexcept>

namespace moat::config {
namespace {

using Ini = Poco::Util::IniFileConfiguration;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
    throw std::runtime_error("configuration: " + key + ": " + why);
}

long long integer(const Ini& ini, const std::string& key, long long def, long long min, long long max) {
    if (!ini.hasProperty(key)) return def;
    std::string v = Poco::trim(ini.getString(key));
    long long out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size()) bad(key, "not an integer: '" + v + "'");
    if (out < min || out > max)
        bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return out;
}

std::string string(const Ini& ini, const std::string& key, const std::string& def) {
    return ini.hasProperty(key) ? Poco::trim(ini.getString(key)) : def;
}

bool boolean(const Ini& ini, const std::string& key, bool def) {
    if (!ini.hasProperty(key)) return def;
    std::string v = Poco::toLower(Poco::trim(ini.getString(key)));
    if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
    if (v == "no" || v == "false" || v == "off" || v == "0") return false;
    bad(key, "expected yes or no, got '" + v + "'");
}

std::uint64_t size(const Ini& ini, const std::string& key, std::uint64_t def) {
    if (!ini.hasProperty(key)) return def;
    try {
        return parseSize(ini.getString(key));
    } catch (const std::exception& e) {
        bad(key, e.what());
    }
}

// A list of lower-case words ("exe, .scr  com"); leading dots are dropped.
std::vector<std::string> words(const Ini& ini, const std::string& key, const std::vector<std::string>& def) {
    if (!ini.hasProperty(key)) return def;
    std::vector<std::string> out;
    Poco::StringTokenizer tok(ini.getString(key), ", \t",
                              Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
    for (std::string w : tok) {
        if (w.front() == '.') w.erase(0, 1);
        w = Poco::toLower(w);
        for (char c : w)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') bad(key, "bad entry '" + w + "'");
        if (!w.empty()) out.push_back(w);
    }
    return out;
}

std::chrono::seconds seconds(const Ini& ini, const std::string& key, std::chrono::seconds def) {
    return std::chrono::seconds(integer(ini, key, def.count(), 1, 365LL * 24 * 3600));
}

}  // namespace

HostPort parseHostPort(const std::string& text, std::uint16_t default_port) {
    HostPort hp;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos) throw std::invalid_argument("unbalanced '[' in '" + text + "'");
        hp.host = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':') throw std::invalid_argument("bad address '" + text + "'");
            port = text.substr(close + 2);
        }
    } else {
        auto colon = text.rfind(':');
        if (colon != std::string::npos && text.find(':') == colon) {
            hp.host = text.substr(0, colon);
            port = text.substr(colon + 1);
        } else {
            hp.host = text;
        }
    }
    if (hp.host.empty()) throw std::invalid_argument("missing host in '" + text + "'");
    hp.port = default_port;
    if (!port.empty()) {
        unsigned value = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
            throw std::invalid_argument("bad port in '" + text + "'");
        hp.port = static_cast<std::uint16_t>(value);
    }
    return hp;
}

std::uint64_t parseSize(const std::string& text) {
    std::string v = Poco::trim(text);
    std::uint64_t mult = 1;
    if (!v.empty()) {
        switch (std::toupper(static_cast<unsigned char>(v.back()))) {
            case 'K': mult = 1024; v.pop_back(); break;
            case 'M': mult = 1024 * 1024; v.pop_back(); break;
            case 'G': mult = 1024ull * 1024 * 1024; v.pop_back(); break;
            default: break;
        }
    }
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size())
        throw std::invalid_argument("not a size: '" + text + "'");
    return n * mult;
}

Config load(const std::string& path) {
    if (!std::filesystem::exists(path)) throw std::runtime_error("configuration file " + path + " not found");
    Poco::AutoPtr<Ini> ini(new Ini(path));
    Config c;
    c.path = path;

    try {
        c.smtp.listen = parseHostPort(string(*ini, "smtp.listen", "0.0.0.0:25"), 25);
    } catch (const std::exception& e) {
        bad("smtp.listen", e.what());
    }
    c.smtp.hostname = string(*ini, "smtp.hostname", "");
    if (c.smtp.hostname.empty()) {
        try {
            c.smtp.hostname = Poco::Net::DNS::thisHost().name();
        } catch (...) {
            c.smtp.hostname = Poco::Environment::nodeName();
        }
    }
    c.smtp.max_sessions = static_cast<int>(integer(*ini, "smtp.max_sessions", c.smtp.max_sessions, 1, 100000));
    c.smtp.max_sessions_per_ip =
        static_cast<int>(integer(*ini, "smtp.max_sessions_per_ip", c.smtp.max_sessions_per_ip, 1, 100000));
    if (ini->hasProperty("smtp.max_message_size")) {
        try {
            c.smtp.max_message_size = parseSize(ini->getString("smtp.max_message_size"));
        } catch (const std::exception& e) {
            bad("smtp.max_message_size", e.what());
        }
        if (c.smtp.max_message_size < 1024) bad("smtp.max_message_size", "must be at least 1024");
    }
    c.smtp.max_recipients = static_cast<int>(integer(*ini, "smtp.max_recipients", c.smtp.max_recipients, 1, 100000));
    c.smtp.tls_cert = string(*ini, "smtp.tls_cert", "");
    c.smtp.tls_key = string(*ini, "smtp.tls_key", "");
    if (c.smtp.tls_cert.empty() != c.smtp.tls_key.empty()) bad("smtp.tls_cert", "tls_cert and tls_key go together");
    c.smtp.command_timeout = seconds(*ini, "smtp.command_timeout", c.smtp.command_timeout);
    c.smtp.data_timeout = seconds(*ini, "smtp.data_timeout", c.smtp.data_timeout);
    c.smtp.min_data_rate = static_cast<std::uint64_t>(
        integer(*ini, "smtp.min_data_rate", static_cast<long long>(c.smtp.min_data_rate), 1, 1000000000));
    c.smtp.max_errors = static_cast<int>(integer(*ini, "smtp.max_errors", c.smtp.max_errors, 1, 1000));
    c.smtp.max_hops = static_cast<int>(integer(*ini, "smtp.max_hops", c.smtp.max_hops, 1, 1000));

    c.queue.workers = static_cast<int>(integer(*ini, "queue.workers", c.queue.workers, 1, 1000));
    c.queue.retry_initial = seconds(*ini, "queue.retry_initial", c.queue.retry_initial);
    c.queue.retry_max = seconds(*ini, "queue.retry_max", c.queue.retry_max);
    c.queue.max_lifetime = seconds(*ini, "queue.max_lifetime", c.queue.max_lifetime);
    c.queue.connect_timeout = seconds(*ini, "queue.connect_timeout", c.queue.connect_timeout);
    c.queue.command_timeout = seconds(*ini, "queue.command_timeout", c.queue.command_timeout);
    c.queue.mx_port = static_cast<std::uint16_t>(integer(*ini, "queue.mx_port", c.queue.mx_port, 1, 65535));
    c.queue.tls = boolean(*ini, "queue.tls", c.queue.tls);
    if (c.queue.retry_max < c.queue.retry_initial) bad("queue.retry_max", "must not be below queue.retry_initial");

    c.scan.socket_configured = ini->hasProperty("scan.socket");
    c.scan.socket = string(*ini, "scan.socket", c.scan.socket);
    c.scan.signatures = string(*ini, "scan.signatures", c.scan.signatures);
    c.scan.local_signatures = string(*ini, "scan.local_signatures", c.scan.local_signatures);
    c.scan.timeout = seconds(*ini, "scan.timeout", c.scan.timeout);
    c.scan.max_filesize = size(*ini, "scan.max_filesize", c.scan.max_filesize);
    c.scan.max_scansize = size(*ini, "scan.max_scansize", c.scan.max_scansize);
    c.scan.max_recursion = static_cast<int>(integer(*ini, "scan.max_recursion", c.scan.max_recursion, 1, 64));
    c.scan.max_files = static_cast<int>(integer(*ini, "scan.max_files", c.scan.max_files, 1, 1000000));
    c.scan.block_encrypted = boolean(*ini, "scan.block_encrypted", c.scan.block_encrypted);
    c.scan.blocked_extensions = words(*ini, "scan.blocked_extensions", c.scan.blocked_extensions);
    c.scan.blocked_types = words(*ini, "scan.blocked_types", c.scan.blocked_types);
    c.scan.workers = static_cast<int>(integer(*ini, "scan.workers", c.scan.workers, 1, 256));
    c.scan.worker_messages =
        static_cast<int>(integer(*ini, "scan.worker_messages", c.scan.worker_messages, 1, 1000000));
    c.scan.worker_memory = size(*ini, "scan.worker_memory", c.scan.worker_memory);
    if (c.scan.worker_memory < 64ull * 1024 * 1024) bad("scan.worker_memory", "must be at least 64M");
    c.scan.reload_interval = seconds(*ini, "scan.reload_interval", c.scan.reload_interval);
    c.scan.host_max_age = seconds(*ini, "scan.host_max_age", c.scan.host_max_age);
    if (c.scan.host_max_age < std::chrono::seconds(60)) bad("scan.host_max_age", "must be at least 60 seconds");
    std::string no_sigs = Poco::toLower(string(*ini, "scan.no_signatures", "tempfail"));
    if (no_sigs != "tempfail" && no_sigs != "accept") bad("scan.no_signatures", "expected tempfail or accept");
    c.scan.no_signatures_accept = no_sigs == "accept";
    if (c.scan.socket.size() >= 108) bad("scan.socket", "path too long for a unix socket");
    c.scan.status_file = string(*ini, "scan.status_file", c.scan.status_file);

    try {
        c.web.listen = parseHostPort(string(*ini, "web.listen", "0.0.0.0:443"), 443);
    } catch (const std::exception& e) {
        bad("web.listen", e.what());
    }
    c.web.tls_cert = string(*ini, "web.tls_cert", "");
    c.web.tls_key = string(*ini, "web.tls_key", "");
    if (c.web.tls_cert.empty() != c.web.tls_key.empty()) bad("web.tls_cert", "tls_cert and tls_key go together");
    c.web.assets = string(*ini, "web.assets", c.web.assets);
    c.web.docs = string(*ini, "web.docs", c.web.docs);
    c.web.threads = static_cast<int>(integer(*ini, "web.threads", c.web.threads, 1, 1024));
    c.web.session_idle = seconds(*ini, "web.session_idle", c.web.session_idle);
    c.web.session_max = seconds(*ini, "web.session_max", c.web.session_max);
    Poco::StringTokenizer trusted(string(*ini, "web.trusted_networks", ""), ", \t",
                                  Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
    c.web.trusted_networks.assign(trusted.begin(), trusted.end());
    c.web.require_second_factor_admins =
        boolean(*ini, "web.require_second_factor_admins", c.web.require_second_factor_admins);
    c.web.backup_upload_max = static_cast<std::size_t>(integer(
                                  *ini, "web.backup_upload_max_mb",
                                  static_cast<long long>(c.web.backup_upload_max >> 20), 1, 4096))
                              << 20;
    c.web.request_timeout_ms = static_cast<int>(
        integer(*ini, "web.request_timeout_ms", c.web.request_timeout_ms, 500, 60000));

    c.firewall.socket = string(*ini, "firewall.socket", c.firewall.socket);
    if (c.firewall.socket.size() >= 108) bad("firewall.socket", "path too long for a unix socket");
    c.firewall.ssh_port = static_cast<std::uint16_t>(integer(*ini, "firewall.ssh_port", c.firewall.ssh_port, 1, 65535));
    c.firewall.tarpit_port =
        static_cast<std::uint16_t>(integer(*ini, "firewall.tarpit_port", c.firewall.tarpit_port, 0, 65535));
    c.firewall.tarpit_stutter = std::chrono::milliseconds(
        integer(*ini, "firewall.tarpit_stutter_ms", c.firewall.tarpit_stutter.count(), 1, 60000));
    c.firewall.tarpit_hold = seconds(*ini, "firewall.tarpit_hold", c.firewall.tarpit_hold);
    c.firewall.tarpit_max =
        static_cast<std::size_t>(integer(*ini, "firewall.tarpit_max", static_cast<long long>(c.firewall.tarpit_max), 1, 1000000));
    c.firewall.submission = boolean(*ini, "firewall.submission", c.firewall.submission);
    c.firewall.allow_lockout = boolean(*ini, "firewall.allow_lockout", c.firewall.allow_lockout);
    c.firewall.ssh_failures =
        static_cast<int>(integer(*ini, "firewall.ssh_failures", c.firewall.ssh_failures, 1, 1000));
    c.firewall.ssh_window = seconds(*ini, "firewall.ssh_window", c.firewall.ssh_window);
    c.firewall.ssh_block_time = seconds(*ini, "firewall.ssh_block_time", c.firewall.ssh_block_time);
    // A report's duration is within 1 second and 30 days (firewall/report.h).
    if (c.firewall.ssh_block_time > std::chrono::hours(24 * 30)) bad("firewall.ssh_block_time", "at most 30 days");
    c.firewall.report_users = words(*ini, "firewall.report_users", c.firewall.report_users);

    c.store_url = string(*ini, "store.url", c.store_url);
    c.spool_dir = string(*ini, "spool.dir", c.spool_dir);
    c.archive_dir = string(*ini, "archive.dir", c.archive_dir);

    std::string servers = string(*ini, "dns.servers", "");
    Poco::StringTokenizer tok(servers, ", \t", Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
    for (const auto& s : tok) {
        try {
            c.dns_servers.push_back(parseHostPort(s, 53));
        } catch (const std::exception& e) {
            bad("dns.servers", e.what());
        }
    }
    c.dns_timeout = std::chrono::milliseconds(integer(*ini, "dns.timeout_ms", c.dns_timeout.count(), 100, 60000));
    c.pop_before_smtp_minutes =
        static_cast<int>(integer(*ini, "relay.pop_before_smtp_window", c.pop_before_smtp_minutes, 1, 7 * 24 * 60));
    c.log_level = string(*ini, "log.level", c.log_level);
    return c;
}

}  // namespace moat::config
