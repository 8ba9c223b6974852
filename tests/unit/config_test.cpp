// The INI configuration: defaults, every documented key, and clear errors.
#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"

using namespace moat::config;

namespace {
// The files go in one directory for the whole run, removed when the program ends.
std::string writeIni(const std::string& text) {
    static moat::test::TempDir dir("moat-config");
    auto path = dir.path / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".ini");
    std::ofstream(path) << text;
    return path.string();
}
}  // namespace

TEST(Config, ReadsEveryDocumentedKey) {
    auto path = writeIni(
        "[smtp]\nlisten = 127.0.0.1:2525\nhostname = mx.example.test\nmax_sessions = 7\n"
        "max_sessions_per_ip = 3\nmax_message_size = 10M\nmax_recipients = 5\n"
        "tls_cert = /c.pem\ntls_key = /k.pem\ncommand_timeout = 60\ndata_timeout = 120\n"
        "[store]\nurl = sqlite:/tmp/x.db\n[spool]\ndir = /tmp/spool\n[archive]\ndir = /tmp/archive\n"
        "[dns]\nservers = 127.0.0.1:5353, [::1]:53\n[log]\nlevel = debug\n"
        "[queue]\nretry_initial = 60\nretry_max = 600\nmax_lifetime = 3600\nmx_port = 2526\n");
    auto c = load(path);
    EXPECT_EQ(c.smtp.listen.host, "127.0.0.1");
    EXPECT_EQ(c.smtp.listen.port, 2525);
    EXPECT_EQ(c.smtp.hostname, "mx.example.test");
    EXPECT_EQ(c.smtp.max_sessions, 7);
    EXPECT_EQ(c.smtp.max_sessions_per_ip, 3);
    EXPECT_EQ(c.smtp.max_message_size, 10u * 1024 * 1024);
    EXPECT_EQ(c.smtp.max_recipients, 5);
    EXPECT_EQ(c.smtp.tls_cert, "/c.pem");
    EXPECT_EQ(c.smtp.command_timeout.count(), 60);
    EXPECT_EQ(c.store_url, "sqlite:/tmp/x.db");
    EXPECT_EQ(c.spool_dir, "/tmp/spool");
    EXPECT_EQ(c.archive_dir, "/tmp/archive");
    ASSERT_EQ(c.dns_servers.size(), 2u);
    EXPECT_EQ(c.dns_servers[0].port, 5353);
    EXPECT_EQ(c.dns_servers[1].host, "::1");
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.queue.retry_initial.count(), 60);
    EXPECT_EQ(c.queue.mx_port, 2526);
}

TEST(Config, DefaultsFollowRfc5321) {
    auto c = load(writeIni("[smtp]\nhostname = mx.example.test\n"));
    EXPECT_EQ(c.smtp.listen.port, 25);
    EXPECT_EQ(c.smtp.command_timeout.count(), 300);
    EXPECT_EQ(c.queue.retry_initial.count(), 300);
    EXPECT_EQ(c.queue.retry_max.count(), 3600);
    EXPECT_EQ(c.queue.max_lifetime.count(), 5 * 24 * 3600);
}

TEST(Config, BadValuesNameTheKey) {
    for (const char* bad : {"[smtp]\nmax_sessions = lots\n", "[smtp]\nlisten = 1.2.3.4:99999\n",
                            "[smtp]\nmax_message_size = 12Q\n", "[smtp]\ntls_cert = /only-cert.pem\n",
                            "[queue]\nretry_initial = 600\nretry_max = 60\n", "[firewall]\nssh_failures = 0\n",
                            "[firewall]\nssh_block_time = 2592001\n"}) {
        auto path = writeIni(bad);
        try {
            load(path);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("configuration"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(load("/nonexistent/moat.ini"), std::runtime_error);
}

TEST(Config, FirewallSshWatchAndDocs) {
    auto d = load(writeIni("[smtp]\nhostname = mx.example.test\n"));
    EXPECT_EQ(d.firewall.ssh_failures, 6);
    EXPECT_EQ(d.firewall.ssh_window.count(), 600);
    EXPECT_EQ(d.firewall.ssh_block_time.count(), 3600);
    EXPECT_EQ(d.firewall.report_users, (std::vector<std::string>{"moat", "moat-web", "moat-sshwatch"}));
    EXPECT_EQ(d.web.docs, "/usr/share/doc/moat");
    auto c = load(writeIni("[firewall]\nssh_failures = 3\nssh_window = 300\nssh_block_time = 7200\n"
                           "[web]\ndocs = /srv/docs\n"));
    EXPECT_EQ(c.firewall.ssh_failures, 3);
    EXPECT_EQ(c.firewall.ssh_window.count(), 300);
    EXPECT_EQ(c.firewall.ssh_block_time.count(), 7200);
    EXPECT_EQ(c.web.docs, "/srv/docs");
}

TEST(Config, HostPortForms) {
    EXPECT_EQ(parseHostPort("[2001:db8::1]:25", 1).host, "2001:db8::1");
    EXPECT_EQ(parseHostPort("mail.example", 25).port, 25);
    EXPECT_EQ(parseHostPort("2001:db8::1", 53).host, "2001:db8::1");
    EXPECT_THROW(parseHostPort(":25", 1), std::invalid_argument);
}

TEST(Config, ScanSection) {
    auto d = load(writeIni("[smtp]\nhostname = mx.example.test\n"));
    EXPECT_EQ(d.scan.socket, "/run/moat/scand.sock");
    EXPECT_FALSE(d.scan.socket_configured);  // the default: no moat-scand installed means no scanning
    EXPECT_EQ(d.scan.signatures, "/var/lib/clamav");
    EXPECT_FALSE(d.scan.no_signatures_accept);
    EXPECT_FALSE(d.scan.block_encrypted);
    EXPECT_NE(std::find(d.scan.blocked_extensions.begin(), d.scan.blocked_extensions.end(), "scr"),
              d.scan.blocked_extensions.end());
    auto c = load(writeIni("[smtp]\nhostname = mx.example.test\n[scan]\nsocket =\nsignatures = /s\n"
                           "local_signatures = /l\ntimeout = 30\nmax_filesize = 1M\nmax_scansize = 2M\n"
                           "max_recursion = 4\nmax_files = 50\nblock_encrypted = yes\n"
                           "blocked_extensions = .EXE, scr  js\nblocked_types = exe\nworkers = 2\n"
                           "no_signatures = accept\nreload_interval = 5\nworker_memory = 256M\n"));
    EXPECT_EQ(c.scan.socket, "");
    EXPECT_TRUE(c.scan.socket_configured);
    EXPECT_EQ(c.scan.signatures, "/s");
    EXPECT_EQ(c.scan.local_signatures, "/l");
    EXPECT_EQ(c.scan.timeout.count(), 30);
    EXPECT_EQ(c.scan.max_filesize, 1u << 20);
    EXPECT_EQ(c.scan.max_scansize, 2u << 20);
    EXPECT_EQ(c.scan.max_recursion, 4);
    EXPECT_EQ(c.scan.max_files, 50);
    EXPECT_TRUE(c.scan.block_encrypted);
    EXPECT_EQ(c.scan.blocked_extensions, (std::vector<std::string>{"exe", "scr", "js"}));
    EXPECT_EQ(c.scan.blocked_types, (std::vector<std::string>{"exe"}));
    EXPECT_EQ(c.scan.workers, 2);
    EXPECT_TRUE(c.scan.no_signatures_accept);
    EXPECT_EQ(c.scan.reload_interval.count(), 5);
    EXPECT_EQ(d.scan.worker_memory, 1u << 30);
    EXPECT_EQ(c.scan.worker_memory, 256u << 20);
    EXPECT_THROW(load(writeIni("[scan]\nworker_memory = 1M\n")), std::runtime_error);
    EXPECT_THROW(load(writeIni("[scan]\nno_signatures = maybe\n")), std::runtime_error);
    EXPECT_THROW(load(writeIni("[scan]\nblocked_extensions = ex;e\n")), std::runtime_error);
    EXPECT_THROW(load(writeIni("[scan]\nmax_filesize = lots\n")), std::runtime_error);
}
