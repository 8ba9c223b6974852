// Asynchronous DNS over c-ares with a TTL-honouring cache, shared by every thread of a daemon:
// a lookup blocks only its caller, and one caller can run several in parallel (the *Async calls).
// A timeout or SERVFAIL is reported as such, never as "does not exist", so callers can answer 4xx
// instead of 5xx; a name that cannot exist (bad syntax, ptr() of a non-address) is nxdomain
// without a query. Answers live for their TTL; negative ones for the SOA minimum; failures never.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/query_times.h"

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
    servfail,  // the server failed (SERVFAIL, REFUSED, malformed answer, closed port, ...)
};

const char* toString(Status status);

struct MxRecord {
    std::uint16_t preference = 0;
    std::string host;  // lower-case, no trailing dot
};

// A null MX (RFC 7505, "MX 0 .") is status ok with one record whose host is
// "": the domain accepts no mail.
struct MxResult {
    Status status = Status::servfail;
    std::vector<MxRecord> records;  // sorted by preference, ties shuffled
};

struct AddressResult {
    Status status = Status::servfail;
    std::vector<std::string> addresses;  // numeric, IPv4 first then IPv6
    // addresses(): ok if either family has an address (the other may have
    // failed); otherwise timeout, servfail, nxdomain, nodata, in that order.
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
    std::vector<Server> servers;              // empty: the system's /etc/resolv.conf
    std::chrono::milliseconds timeout{3000};  // per try (c-ares doubles it each round)
    int tries = 2;
    std::size_t cache_entries = 100000;          // 0 disables the cache
    std::chrono::seconds negative_ttl_max{900};  // caps NXDOMAIN/NODATA caching
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
    AddressResult aaaa(std::string_view host);       // AAAA only
    NameResult ptr(std::string_view ip);             // reverse lookup of a numeric address
    TextResult txt(std::string_view name);

    // The same lookups without waiting. Each query is sent at once and runs
    // in parallel with all others; get() waits for its answer. A batch is
    // several of these started together, then each get(). Every future is
    // satisfied, at the latest by ~Resolver (servfail).
    std::future<MxResult> mxAsync(std::string_view domain);
    std::future<AddressResult> addressesAsync(std::string_view host);
    std::future<AddressResult> aAsync(std::string_view host);
    std::future<AddressResult> aaaaAsync(std::string_view host);
    std::future<NameResult> ptrAsync(std::string_view ip);
    std::future<TextResult> txtAsync(std::string_view name);

    // How long the queries sent so far took, by record type (dns/query_times.h).
    std::vector<QueryTimes::Histogram> queryTimes() const;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace moat::dns
