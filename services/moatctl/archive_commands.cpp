#include "archive_commands.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "mail/date.h"
#include "store/archive_entries.h"
#include "store/release_requests.h"
#include "store/store.h"
#include "util/log.h"

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

}  // namespace

int archiveList(Poco::Data::Session& session, const std::optional<std::string>& limit) {
    store::MessageSearchFilter newest;
    newest.limit = limit ? number(*limit, "--limit") : 50;
    auto rows = store::searchArchive(session, newest, store::RowScope{});
    for (const auto& r : rows) {
        std::cout << r.id << "  " << mail::isoDateTime(r.ts) << "  " << r.outcome << "  <" << log::printable(r.sender)
                  << "> -> " << log::printable(r.recipients, 200) << "  " << r.size << " bytes  \""
                  << log::printable(r.subject, 80) << "\"";
        if (r.released) std::cout << "  released " << r.released << "x";
        std::cout << "\n";
    }
    if (rows.empty()) std::cout << "the archive is empty\n";
    return 0;
}

int archiveRelease(Poco::Data::Session& session, const std::string& id,
                   const std::optional<std::string>& by) {
    long long archive_id = number(id, "ID");
    if (!store::findArchiveEntry(session, archive_id)) throw std::invalid_argument("no archive entry " + id);
    std::string who = by ? *by : "";
    if (who.empty()) {
        const char* login = ::getlogin();
        who = std::string("moatctl:") + (login ? login : std::to_string(::getuid()));
    }
    auto added = store::addReleaseRequest(session, archive_id, who, store::nowSeconds(), {});
    if (!added) throw std::invalid_argument("archive entry " + id + " has no recipients");
    long long request = *added;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        auto r = store::findReleaseRequest(session, request);
        if (!r) throw std::runtime_error("release request " + std::to_string(request) + " vanished");
        if (r->status == "done") {
            std::cout << "released archive entry " << id << ": queued as " << r->queue_id << "\n";
            return 0;
        }
        if (r->status == "failed") {
            std::cerr << "moatctl: release of archive entry " << id << " failed: " << r->detail << "\n";
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
