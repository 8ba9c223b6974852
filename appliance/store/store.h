// The store: domains, policy, queue and logs, in SQLite (WAL) via Poco::Data.
// open() takes a URL ("sqlite:PATH"; "postgresql://..." is reserved for the
// clustered store) and brings the schema up to date before anyone uses it.
// A Poco::Data::Session is not thread-safe: each thread calls connect() for
// its own, which is cheap for SQLite.
#pragma once

#include <Poco/Data/Session.h>

#include <memory>
#include <string>

namespace moat::store {

class Store {
public:
    static std::unique_ptr<Store> open(const std::string& url);

    Poco::Data::Session connect() const;
    int schemaVersion() const;
    const std::string& url() const { return url_; }
    const std::string& path() const { return path_; }  // the SQLite file

private:
    Store(std::string url, std::string path) : url_(std::move(url)), path_(std::move(path)) {}
    void migrate();

    std::string url_;
    std::string path_;
};

// Seconds since the epoch; the unit of every timestamp in the store.
long long nowSeconds();

}  // namespace moat::store
