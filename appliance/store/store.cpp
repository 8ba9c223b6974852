#include "store/store.h"

#include "store/migrations.h"
#include "util/log.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Statement.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>

using namespace Poco::Data::Keywords;

namespace moat::store {

long long nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::unique_ptr<Store> Store::open(const std::string& url) {
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::SQLite::Connector::registerConnector(); });

    if (url.rfind("sqlite:", 0) != 0) {
        if (url.rfind("postgresql:", 0) == 0)
            throw std::runtime_error("store: postgresql:// is not supported by this build yet");
        throw std::runtime_error("store: unsupported URL '" + url + "' (expected sqlite:PATH)");
    }
    std::string path = url.substr(7);
    if (path.empty()) throw std::runtime_error("store: empty SQLite path in '" + url + "'");
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);

    std::unique_ptr<Store> store(new Store(url, path));
    store->migrate();
    return store;
}

Poco::Data::Session Store::connect() const {
    Poco::Data::Session session("SQLite", path_);
    std::string mode;
    session << "PRAGMA busy_timeout = 10000", now;
    session << "PRAGMA journal_mode = WAL", into(mode), now;
    // FULL: a committed transaction survives power loss; the queue depends on it.
    session << "PRAGMA synchronous = FULL", now;
    session << "PRAGMA foreign_keys = ON", now;
    return session;
}

int Store::schemaVersion() const {
    auto session = connect();
    int version = 0;
    session << "PRAGMA user_version", into(version), now;
    return version;
}

void Store::migrate() {
    auto session = connect();
    int version = 0;
    session << "PRAGMA user_version", into(version), now;
    for (const auto& m : migrations()) {
        if (m.version <= version) continue;
        session << "BEGIN IMMEDIATE", now;
        try {
            int current = 0;  // another process may have migrated meanwhile
            session << "PRAGMA user_version", into(current), now;
            if (current < m.version) {
                for (const char* sql : m.statements) session << sql, now;
                session << "PRAGMA user_version = " + std::to_string(m.version), now;
            }
            session << "COMMIT", now;
        } catch (...) {
            session << "ROLLBACK", now;
            throw;
        }
        log::info("store: schema at version " + std::to_string(m.version) + " (" + m.description + ")");
    }
}

}  // namespace moat::store
