// Shared fixture of the API handler tests (tests/unit/api_*_test.cpp): a real
// SQLite store in a temporary directory, a config pointing the archive, spool
// and scand status file into it, and a web::Router with every API route,
// called directly (no HTTP) as an administrator or a domain administrator.
// Log and archive rows are inserted with SQL, as moat-smtpd would write them.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/api.h"
#include "config/config.h"
#include "store/domains.h"
#include "store/store.h"
#include "temp_dir.h"
#include "web/router.h"

namespace moat::testing_api {

using namespace Poco::Data::Keywords;

struct Result {
    int status = 0;
    std::string body;
    web::Response response;

    Poco::JSON::Object::Ptr object() const {
        Poco::JSON::Parser p;
        return p.parse(body).extract<Poco::JSON::Object::Ptr>();
    }
    Poco::JSON::Array::Ptr array() const {
        Poco::JSON::Parser p;
        return p.parse(body).extract<Poco::JSON::Array::Ptr>();
    }
};

class ApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        session_ = std::make_unique<Poco::Data::Session>(store_->connect());
        config_.archive_dir = (dir_.path / "archive").string();
        std::filesystem::create_directories(config_.archive_dir);
        config_.spool_dir = dir_.path.string();
        config_.scan.status_file = (dir_.path / "scand.status").string();
        api::registerApi(router_);
        admin_.user_id = 1;
        admin_.name = "root";
        admin_.role = web::Role::admin;
    }
    void TearDown() override {
        session_.reset();
        store_.reset();
    }

    Poco::Data::Session& session() { return *session_; }

    // A domain administrator of the given domains (ids and names).
    web::Principal domainAdmin(const std::vector<std::pair<long long, std::string>>& domains,
                               const std::string& name = "dadmin") {
        web::Principal p;
        p.user_id = 2;
        p.name = name;
        p.role = web::Role::domain_admin;
        for (const auto& [id, n] : domains) {
            p.domain_ids.push_back(id);
            p.domains.push_back(n);
        }
        return p;
    }

    Result call(const std::string& method, const std::string& path, const web::Principal& who,
                const std::string& body = "",
                const std::map<std::string, std::string>& query = {}) {
        web::Request request;
        request.method = method;
        request.path = path;
        request.query = query;
        request.body = body;
        request.client_ip = "192.0.2.9";
        web::ApiContext ctx{*store_, config_, firewall_};
        auto r = router_.dispatch(request, who, ctx);
        return Result{r.status, r.body, r};
    }
    Result call(const std::string& method, const std::string& path, const std::string& body = "",
                const std::map<std::string, std::string>& query = {}) {
        return call(method, path, admin_, body, query);
    }

    long long addDomain(const std::string& name, const std::string& host = "192.0.2.25") {
        return store::addDomain(session(), name, host, 25).id;
    }

    long long scalar(const std::string& sql) {
        Poco::Int64 n = 0;
        session() << sql, into(n), now;
        return n;
    }

    long long auditRows() { return scalar("SELECT COUNT(*) FROM audit_log"); }

    // A message_log row with the recipients' domains in message_log_domains and
// each recipient in message_log_recipients.
    long long insertLog(const std::string& sender, const std::vector<std::string>& recipients,
                        const std::string& subject = "hello",
                        const std::string& category = "accepted",
                        const std::string& client_ip = "198.51.100.7", long long ts = 0) {
        std::string rcpts;
        for (const auto& r : recipients) rcpts += (rcpts.empty() ? "" : ",") + r;
        Poco::Int64 when = ts ? ts : store::nowSeconds();
        std::string checks =
            R"([{"check":"dnsbl","result":"pass","score":0,"detail":"not listed"}])";
        std::string outcome = category == "rejected" ? "rejected" : "accepted";
        session()
            << "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, "
               "recipients, size,"
               " queue_id, outcome, reason, checks, subject, from_header, message_id, score, "
               "category,"
               " refused_by) VALUES (?, ?, 'mx.example.net', 'mx.example.net', 'TLSv1.3', ?, ?, "
               "1234, 'Q1',"
               " ?, '250 ok', ?, ?, 'Sender <s@example.net>', '<id@example.net>', 1.5, ?, '')",
            use(when), bind(client_ip), bind(sender), use(rcpts), use(outcome), use(checks),
            bind(subject), bind(category), now;
        Poco::Int64 id = 0;
        session() << "SELECT last_insert_rowid()", into(id), now;
        for (const auto& r : recipients) {
            std::string domain = r.substr(r.rfind('@') + 1);
            session() << "INSERT OR IGNORE INTO message_log_domains (domain, log_id) VALUES (?, ?)",
                use(domain), use(id), now;
            std::string address = r;
            session() << "INSERT INTO message_log_recipients (log_id, domain, address) VALUES (?, "
                         "lower(?), ?)",
                use(id), use(domain), use(address), now;
        }
        return id;
    }

    // An archive row and its file.
    long long insertArchive(const std::string& sender, const std::vector<std::string>& recipients,
                            const std::string& outcome = "rejected",
                            const std::string& raw = kMessage, const std::string& subject = "hello",
                            const std::string& client_ip = "198.51.100.7") {
        static int serial = 0;
        std::string file = "msg" + std::to_string(++serial) + ".eml";
        std::ofstream(std::filesystem::path(config_.archive_dir) / file, std::ios::binary) << raw;
        std::string rcpts;
        for (const auto& r : recipients) rcpts += (rcpts.empty() ? "" : ",") + r;
        Poco::Int64 ts = store::nowSeconds(), size = static_cast<Poco::Int64>(raw.size());
        session() << "INSERT INTO archive (ts, log_id, file, size, client_ip, sender, recipients, "
                     "subject,"
                     " from_header, message_id, outcome, reason) VALUES (?, 0, ?, ?, ?, ?, ?, ?, "
                     "'S <s@x>',"
                     " '<m@x>', ?, 'content score 12')",
            use(ts), use(file), use(size), bind(client_ip), bind(sender), use(rcpts), bind(subject),
            bind(outcome), now;
        Poco::Int64 id = 0;
        session() << "SELECT last_insert_rowid()", into(id), now;
        for (const auto& r : recipients) {
            std::string domain = r.substr(r.rfind('@') + 1);
            session() << "INSERT OR IGNORE INTO archive_domains (domain, archive_id) VALUES (?, ?)",
                use(domain), use(id), now;
            std::string address = r;
            session() << "INSERT INTO archive_recipients (archive_id, domain, address) VALUES (?, "
                         "lower(?), ?)",
                use(id), use(domain), use(address), now;
        }
        return id;
    }

    static inline const std::string kMessage =
        "From: Sender <s@example.net>\r\n"
        "To: a@one.example\r\n"
        "Subject: =?UTF-8?B?SGVsbG8gPHNjcmlwdD4=?=\r\n"
        "Message-ID: <m1@example.net>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "plain words\r\n"
        "--b1\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "\r\n"
        "<html><body><p>html <b>words</b></p><script>alert(1)</script></body></html>\r\n"
        "--b1\r\n"
        "Content-Type: application/octet-stream; name=\"evil\\\"><img src=x "
        "onerror=alert(1)>.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "JVBERi0xLjQK\r\n"
        "--b1--\r\n";

    moat::test::TempDir dir_{"moat-api"};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Poco::Data::Session> session_;
    config::Config config_;
    web::Router router_;
    web::Principal admin_;
    web::FirewallLink* firewall_ = nullptr;  // moat-firewall as the handlers see it
};

}  // namespace moat::testing_api
