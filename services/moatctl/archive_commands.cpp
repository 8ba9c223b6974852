#include "archive_commands.h"

#include <Poco/Data/Statement.h>
#include <Poco/Tuple.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/store.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::moatctl {
namespace {

long long number(const std::string& text, const char* what) {
    long long n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size() || n <= 0)
        throw std::invalid_argument(std::string(what) + " must be a positive number: '" + text +
                                    "'");
    return n;
}

std::string when(long long ts) {
    std::time_t t = static_cast<std::time_t>(ts);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

}  // namespace

int archiveList(Poco::Data::Session& session, const std::optional<std::string>& limit) {
    Poco::Int64 n = limit ? number(*limit, "--limit") : 50;
    std::vector<Poco::Tuple<Poco::Int64, Poco::Int64, std::string, std::string, std::string,
                            Poco::Int64, std::string, Poco::Int64>>
        rows;
    session << "SELECT id, ts, outcome, sender, recipients, size, subject, released FROM archive"
               " ORDER BY id DESC LIMIT ?",
        use(n), into(rows), now;
    for (const auto& r : rows) {
        std::cout << r.get<0>() << "  " << when(r.get<1>()) << "  " << r.get<2>() << "  <"
                  << log::printable(r.get<3>()) << "> -> " << log::printable(r.get<4>(), 200)
                  << "  " << r.get<5>() << " bytes  \"" << log::printable(r.get<6>(), 80) << "\"";
        if (r.get<7>()) std::cout << "  released " << r.get<7>() << "x";
        std::cout << "\n";
    }
    if (rows.empty()) std::cout << "the archive is empty\n";
    return 0;
}

int archiveRelease(Poco::Data::Session& session, const std::string& id,
                   const std::optional<std::string>& by) {
    Poco::Int64 archive_id = number(id, "ID");
    int exists = 0;
    session << "SELECT COUNT(*) FROM archive WHERE id = ?", use(archive_id), into(exists), now;
    if (!exists) throw std::invalid_argument("no archive entry " + id);
    std::string who = by ? *by : "";
    if (who.empty()) {
        const char* login = ::getlogin();
        who = std::string("moatctl:") + (login ? login : std::to_string(::getuid()));
    }
    Poco::Int64 requested = store::nowSeconds();
    session
        << "INSERT INTO release_requests (archive_id, requested_by, requested) VALUES (?, ?, ?)",
        use(archive_id), use(who), use(requested), now;
    Poco::Int64 request = 0;
    session << "SELECT last_insert_rowid()", into(request), now;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        std::string status, queue_id, detail;
        session << "SELECT status, queue_id, detail FROM release_requests WHERE id = ?",
            use(request), into(status), into(queue_id), into(detail), now;
        if (status == "done") {
            std::cout << "released archive entry " << id << ": queued as " << queue_id << "\n";
            return 0;
        }
        if (status == "failed") {
            std::cerr << "moatctl: release of archive entry " << id << " failed: " << detail
                      << "\n";
            return 1;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            std::cerr << "moatctl: release request " << request
                      << " is still pending after 10 s (is moat-smtpd running?)\n";
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace moat::moatctl
