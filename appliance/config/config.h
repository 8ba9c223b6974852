// The appliance's INI configuration (/etc/moat/moat.ini by default).
// Only process-level settings live here; domains and policy live in the store.
// load() validates every key and throws std::runtime_error naming the bad one,
// so a daemon refuses to start on a broken file instead of guessing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moat::config {

inline constexpr const char* kDefaultPath = "/etc/moat/moat.ini";

struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};

// "host:port", "[v6]:port" or "host" (default_port).
HostPort parseHostPort(const std::string& text, std::uint16_t default_port);

struct Smtp {
    HostPort listen{"0.0.0.0", 25};
    std::string hostname;  // defaults to the machine's FQDN
    int max_sessions = 200;
    int max_sessions_per_ip = 20;
    std::uint64_t max_message_size = 50ull * 1024 * 1024;
    int max_recipients = 100;
    std::string tls_cert;  // empty: a self-signed certificate is created
    std::string tls_key;
    // Deadlines, not idle timeouts (Postfix's smtpd_per_record_deadline): a
    // command line must be complete within command_timeout of the first wait
    // for it, however its bytes trickle in; the message data within
    // data_timeout plus one second per min_data_rate octets received
    // (Postfix's smtpd_min_data_rate), so a slow big message passes and a
    // client sending a byte a minute does not hold a slot.
    std::chrono::seconds command_timeout{300};  // RFC 5321 §4.5.3.2.7
    std::chrono::seconds data_timeout{300};     // §4.5.3.2.5-6 (server side)
    std::uint64_t min_data_rate = 500;          // octets a second that extend the DATA deadline
    int max_errors = 10;                        // protocol errors before 421
    int max_hops = 50;                          // Received: fields before 554 5.4.6 (RFC 5321 §6.3)
};

struct Queue {
    int workers = 16;
    std::chrono::seconds retry_initial{300};
    std::chrono::seconds retry_max{3600};
    std::chrono::seconds max_lifetime{5 * 24 * 3600};
    std::chrono::seconds connect_timeout{30};
    std::chrono::seconds command_timeout{300};
    std::uint16_t mx_port = 25;  // port used for MX-routed (outbound) delivery
    bool tls = true;             // opportunistic STARTTLS towards next hops
};

// [scan]: virus and attachment scanning by moat-scand (docs/virus-scanning.md).
struct Scan {
    std::string socket = "/run/moat/scand.sock";  // empty: scanning disabled
    // False when socket is the built-in default: then a host without moat-scand
    // (no socket file at all) is not scanning, rather than refusing every
    // message. Configured explicitly (as on the appliance), an unreachable
    // scanner always means 451.
    bool socket_configured = false;
    std::string signatures = "/var/lib/clamav";
    std::string local_signatures = "/etc/moat/signatures";
    std::chrono::seconds timeout{60};  // one message, as the SMTP session waits for it
    std::uint64_t max_filesize = 25ull * 1024 * 1024;
    std::uint64_t max_scansize = 100ull * 1024 * 1024;
    int max_recursion = 16;
    int max_files = 10000;
    bool block_encrypted = false;
    std::vector<std::string> blocked_extensions{"ade", "adp", "app", "bat", "chm", "cmd", "com", "cpl", "exe",
                                                "hta", "ins", "isp", "jar", "js",  "jse", "lnk", "msc", "msi",
                                                "msp", "mst", "pif", "ps1", "reg", "scr", "sct", "shs", "vb",
                                                "vbe", "vbs", "wsc", "wsf", "wsh"};
    std::vector<std::string> blocked_types{"exe", "elf", "macho", "java-class"};
    int workers = 4;                           // messages scanned at once (one worker process each)
    int worker_messages = 1000;                // a scan worker is replaced after this many messages
    // What one scan worker may allocate above the engine it shares with its
    // host (RLIMIT_DATA, scan/data_memory_limit.h): a scan that needs more fails.
    std::uint64_t worker_memory = 1024ull * 1024 * 1024;
    bool no_signatures_accept = false;         // no_signatures = accept: pass mail unscanned while none load
    std::chrono::seconds reload_interval{10};  // how often signature directories are checked for changes
    std::chrono::seconds host_max_age{3600};   // a scan host (and its workers) is replaced after this long
    // moat-scand writes its signature state here (JSON) for the console's System page.
    std::string status_file = "/run/moat/scand.status";
};

// [web]: moat-webui, the HTTPS admin console and JSON API (docs/console.md).
struct Web {
    HostPort listen{"0.0.0.0", 443};
    std::string tls_cert;  // empty: a self-signed certificate is created on first start
    std::string tls_key;
    std::string assets = "/usr/share/moat/webui";  // the browser UI's static files
    std::string docs = "/usr/share/doc/moat";      // the documentation, served under /docs/ (the pages link to it)
    int threads = 256;  // one per open connection (docs/console.md "Availability")
    std::chrono::seconds session_idle{30 * 60};     // a session ends after this long unused
    std::chrono::seconds session_max{12 * 3600};    // and after this long in any case
    // Maintenance networks (CIDRs, checked by moat-webui at start): a login from
    // them is exempt from the per-name limit (docs/console-login.md).
    std::vector<std::string> trusted_networks;
    int request_timeout_ms = 5000;  // TLS handshake and request head must arrive within
    bool require_second_factor_admins = false;  // every administrator must use two-factor login
    // The largest backup an administrator may upload to restore (bytes; other
    // requests stay under 1 MiB). Held in memory while it is checked.
    std::size_t backup_upload_max = std::size_t{256} << 20;
};

// [firewall]: moat-firewall, the appliance's nftables ruleset (docs/firewall.md).
// What may reach the box is in the policy settings (firewall.*), editable in
// the console; these are the box's own facts.
struct Firewall {
    std::string socket = "/run/moat/firewall.sock";  // reports from the daemons and moatctl
    std::uint16_t ssh_port = 22;
    std::uint16_t tarpit_port = 0;  // a tarpit listening here takes tarpitted SMTP clients (0: dropped)
    std::chrono::milliseconds tarpit_stutter{1000};  // moat-tarpit: one byte of a reply this often
    std::chrono::seconds tarpit_hold{600};  // moat-tarpit: then a final 421 and the client goes
    // Clients held at once; beyond it new ones are dropped in the kernel.
    std::size_t tarpit_max = 20000;
    bool submission = false;        // port 587 open as well as 25
    bool allow_lockout = false;     // apply a ruleset that closes the console and SSH to everyone
    // moat-sshwatch: this many failed SSH logins from one address within
    // ssh_window put it in the blocked set for ssh_block_time.
    int ssh_failures = 6;
    std::chrono::seconds ssh_window{600};
    std::chrono::seconds ssh_block_time{3600};
    // Users (besides root) whose reports are believed: moat-smtpd's, moat-webui's
    // and moat-sshwatch's.
    std::vector<std::string> report_users{"moat", "moat-web", "moat-sshwatch"};
};

struct Config {
    std::string path;
    Smtp smtp;
    Queue queue;
    Scan scan;
    Web web;
    Firewall firewall;
    std::string store_url = "sqlite:/var/lib/moat/moat.db";
    std::string spool_dir = "/var/spool/moat";
    std::string archive_dir = "/var/lib/moat/archive";
    std::vector<HostPort> dns_servers;  // empty: /etc/resolv.conf
    std::chrono::milliseconds dns_timeout{3000};
    int pop_before_smtp_minutes = 30;  // [relay] pop_before_smtp_window
    std::string log_level = "info";
};

Config load(const std::string& path);

// Parses sizes such as "10485760", "10M", "512K", "1G".
std::uint64_t parseSize(const std::string& text);

}  // namespace moat::config
