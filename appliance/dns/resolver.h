// Asynchronous DNS over c-ares, with a TTL-honouring cache.
// One Resolver is shared by every thread of a daemon; each lookup blocks only
// its caller, never another thread, and several lookups of one caller can run
// in parallel (Batch). A timeout or SERVFAIL is reported as such, never as
// "does not exist", so callers can answer 4xx instead of 5xx.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dns {

struct Server {
    std::string host;  // numeric IPv4/IPv6 address
    std::uint16_t port = 53;
};

enum class Status {
    ok,        // at least one record of the asked type
    nxdomain,  // the name does not exist
    nodata,    // the name exists, but has no record of this type
    timeout,   // no answer in time (all tries)
    servfail,  // the server failed (SERVFAIL, REFUSED, malformed answer, ...)
};

const char* toString(Status status);

struct MxRecord {
    std::uint16_t preference = 0;
    std::string host;  // lower-case, no trailing dot
};

struct MxResult {
    Status status = Status::servfail;
    std::vector<MxRecord> records;  // sorted by preference, ties shuffled
};

struct AddressResult {
    Status status = Status::servfail;
    std::vector<std::string> addresses;  // numeric, IPv4 first then IPv6
};

struct NameResult {
    Status status = Status::servfail;
    std::vector<std::string> names;  // PTR targets, lower-case, no trailing dot
};

struct TextResult {
    Status status = Status::servfail;
    std::vector<std::string> texts;  // TXT strings, each record's strings joined
};

struct Options {
    std::vector<Server> servers;  // empty: the system's /etc/resolv.conf
    std::chrono::milliseconds timeout{3000};  // per try
    int tries = 2;
    std::size_t cache_entries = 100000;  // 0 disables the cache
    std::chrono::seconds negative_ttl_max{900};
};

class Resolver {
public:
    explicit Resolver(Options options);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    MxResult mx(std::string_view domain);
    AddressResult addresses(std::string_view host);  // A and AAAA, queried in parallel
    AddressResult a(std::string_view host);          // A only (DNSBL style lookups)
    NameResult ptr(std::string_view ip);             // reverse lookup of a numeric address
    TextResult txt(std::string_view name);

    class Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace moat::dns
