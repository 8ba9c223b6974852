// One c-ares channel, owned by one event thread that alone touches it. Callers
// put requests on a queue and wake the thread through an eventfd; the thread
// starts the queries, polls c-ares' sockets and hands each answer to everyone
// waiting for that name and type (concurrent askers share one query). Cache
// hits are answered in the caller's thread without waking anything.
#include "dns/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <mutex>
#include <random>
#include <span>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "dns/cache.h"
#include "dns/message_ttl.h"
#include "dns/names.h"
#include "util/ascii_text.h"
#include "util/log.h"

namespace moat::dns {
namespace {

constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypePtr = 12;
constexpr std::uint16_t kTypeMx = 15;
constexpr std::uint16_t kTypeTxt = 16;
constexpr std::uint16_t kTypeAaaa = 28;
constexpr int kClassIn = 1;

// The metrics' name of a record type this resolver asks for.
const char* typeName(std::uint16_t type) {
    switch (type) {
        case kTypeA:
            return "a";
        case kTypeAaaa:
            return "aaaa";
        case kTypeMx:
            return "mx";
        case kTypePtr:
            return "ptr";
        case kTypeTxt:
            return "txt";
        default:
            return "other";
    }
}

// A record's TTL is honoured up to a day, as recursive resolvers cap it
// (unbound's cache-max-ttl): longer only pins data its owner has changed.
constexpr std::chrono::seconds kPositiveTtlMax{86400};
// NXDOMAIN or NODATA without an SOA saying how long it holds.
constexpr std::chrono::seconds kNegativeTtlDefault{300};

void initLibrary() {
    static std::once_flag once;
    std::call_once(once, [] {
        int rc = ares_library_init(ARES_LIB_INIT_ALL);
        if (rc != ARES_SUCCESS) {
            throw std::runtime_error(std::string("ares_library_init: ") + ares_strerror(rc));
        }
    });
}

// c-ares 1.18 ends a query whose every try drew SERVFAIL, REFUSED or NOTIMP
// (it moves on to the next server for those) or met a closed port with
// ECONNREFUSED: servfail, like any other failure that is not a timeout.
Status statusOf(int code) {
    switch (code) {
        case ARES_SUCCESS:
            return Status::ok;
        case ARES_ENOTFOUND:
            return Status::nxdomain;
        case ARES_ENODATA:
            return Status::nodata;
        case ARES_ETIMEOUT:
            return Status::timeout;
        default:
            return Status::servfail;
    }
}

struct AresFree {
    void operator()(void* data) const { ares_free_data(data); }
};
struct HostentFree {
    void operator()(hostent* host) const { ares_free_hostent(host); }
};

std::string hostName(const char* name) {
    std::string host = name ? name : "";
    if (!host.empty() && host.back() == '.') host.pop_back();
    return util::lowerAscii(host);
}

// Room for every address record the message can hold, for c-ares' addrttls.
std::size_t answerCount(std::span<const unsigned char> msg) {
    return msg.size() < 8 ? 1 : std::max<std::size_t>(1, msg[6] << 8 | msg[7]);
}

std::string ntop(int family, const void* bytes) {
    char text[INET6_ADDRSTRLEN];
    return inet_ntop(family, bytes, text, sizeof text) ? text : "";
}

// The records of a NOERROR answer into `answer`, their TTL into `ttl`; returns
// a c-ares status (ENODATA when the answer holds no record of the type).
int parseRecords(std::uint16_t type, std::span<const unsigned char> msg, Answer& answer,
                 std::uint32_t& ttl) {
    const auto* buf = msg.data();
    const int len = static_cast<int>(msg.size());
    int rc = ARES_SUCCESS;
    if (type == kTypeA || type == kTypeAaaa) {
        std::size_t capacity = answerCount(msg);
        int count = static_cast<int>(capacity);
        if (type == kTypeA) {
            std::vector<ares_addrttl> rows(capacity);
            rc = ares_parse_a_reply(buf, len, nullptr, rows.data(), &count);
            for (int i = 0; rc == ARES_SUCCESS && i < count; ++i) {
                answer.items.push_back(ntop(AF_INET, &rows[i].ipaddr));
                ttl = std::min(ttl, static_cast<std::uint32_t>(std::max(rows[i].ttl, 0)));
            }
        } else {
            std::vector<ares_addr6ttl> rows(capacity);
            rc = ares_parse_aaaa_reply(buf, len, nullptr, rows.data(), &count);
            for (int i = 0; rc == ARES_SUCCESS && i < count; ++i) {
                answer.items.push_back(ntop(AF_INET6, &rows[i].ip6addr));
                ttl = std::min(ttl, static_cast<std::uint32_t>(std::max(rows[i].ttl, 0)));
            }
        }
    } else {
        if (auto ttls = messageTtls(msg); ttls.answer) ttl = *ttls.answer;
        if (type == kTypeMx) {
            ares_mx_reply* head = nullptr;
            rc = ares_parse_mx_reply(buf, len, &head);
            std::unique_ptr<ares_mx_reply, AresFree> owner(head);
            std::vector<MxRecord> records;
            for (auto* mx = head; rc == ARES_SUCCESS && mx; mx = mx->next) {
                records.push_back({mx->priority, hostName(mx->host)});
            }
            auto null = std::find_if(records.begin(), records.end(),
                                     [](const MxRecord& r) { return r.host.empty(); });
            if (null != records.end()) records = {*null};
            std::stable_sort(records.begin(), records.end(), [](const auto& x, const auto& y) {
                return x.preference < y.preference;
            });
            for (auto& r : records) {
                answer.preferences.push_back(r.preference);
                answer.items.push_back(std::move(r.host));
            }
        } else if (type == kTypeTxt) {
            ares_txt_ext* head = nullptr;
            rc = ares_parse_txt_reply_ext(buf, len, &head);
            std::unique_ptr<ares_txt_ext, AresFree> owner(head);
            for (auto* txt = head; rc == ARES_SUCCESS && txt; txt = txt->next) {
                if (txt->record_start || answer.items.empty()) answer.items.emplace_back();
                answer.items.back().append(reinterpret_cast<const char*>(txt->txt), txt->length);
            }
        } else {
            hostent* raw = nullptr;
            rc = ares_parse_ptr_reply(buf, len, nullptr, 0, AF_INET, &raw);
            std::unique_ptr<hostent, HostentFree> host(raw);
            if (rc == ARES_SUCCESS) {
                for (char** alias = host->h_aliases; alias && *alias; ++alias) {
                    answer.items.push_back(hostName(*alias));
                }
                if (answer.items.empty()) answer.items.push_back(hostName(host->h_name));
            }
        }
    }
    if (rc == ARES_SUCCESS && answer.items.empty()) rc = ARES_ENODATA;
    if (rc != ARES_SUCCESS) answer = Answer{};
    return rc;
}

// What to hand out for one reply, and how long to cache it (zero: not at all).
struct Outcome {
    Answer answer;
    std::chrono::seconds ttl{0};
};

Outcome outcome(std::uint16_t type, int code, std::span<const unsigned char> msg,
                std::chrono::seconds negative_max) {
    Outcome out;
    std::uint32_t ttl = UINT32_MAX;
    if (code == ARES_SUCCESS) code = parseRecords(type, msg, out.answer, ttl);
    out.answer.status = statusOf(code);
    if (out.answer.status == Status::ok) {
        out.ttl = std::min(std::chrono::seconds(ttl), kPositiveTtlMax);
    } else if (out.answer.status == Status::nxdomain || out.answer.status == Status::nodata) {
        auto soa = messageTtls(msg).negative;
        out.ttl = std::min(soa ? std::chrono::seconds(*soa) : kNegativeTtlDefault, negative_max);
    }
    return out;
}

std::mt19937& random() {
    thread_local std::mt19937 engine{std::random_device{}()};
    return engine;
}

MxResult toMx(const Answer& answer) {
    MxResult result{answer.status, {}};
    for (std::size_t i = 0; i < answer.items.size(); ++i) {
        result.records.push_back({answer.preferences[i], answer.items[i]});
    }
    for (auto first = result.records.begin(); first != result.records.end();) {
        auto last = std::find_if(first, result.records.end(), [&](const MxRecord& r) {
            return r.preference != first->preference;
        });
        std::shuffle(first, last, random());
        first = last;
    }
    return result;
}

AddressResult toAddresses(const Answer& answer) {
    return {answer.status, answer.items};
}

AddressResult combine(const Answer& v4, const Answer& v6) {
    AddressResult result{Status::ok, v4.items};
    result.addresses.insert(result.addresses.end(), v6.items.begin(), v6.items.end());
    if (!result.addresses.empty()) return result;
    auto either = [&](Status s) { return v4.status == s || v6.status == s; };
    for (Status s : {Status::timeout, Status::servfail, Status::nxdomain}) {
        if (either(s)) {
            result.status = s;
            return result;
        }
    }
    result.status = Status::nodata;
    return result;
}

NameResult toNames(const Answer& answer) {
    return {answer.status, answer.items};
}

TextResult toTexts(const Answer& answer) {
    return {answer.status, answer.items};
}

class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace

class Resolver::Impl {
  public:
    using Done = std::function<void(const Answer&)>;

    explicit Impl(Options options);
    ~Impl();

    // Answers `done` from the cache at once, or later from the event thread.
    void lookup(std::uint16_t type, std::string_view name, Done done);
    const QueryTimes& times() const { return times_; }

    template <typename Result, typename Convert>
    std::future<Result> ask(std::uint16_t type, std::string_view name, Convert convert) {
        auto promise = std::make_shared<std::promise<Result>>();
        auto future = promise->get_future();
        lookup(type, name, [promise, convert](const Answer& a) { promise->set_value(convert(a)); });
        return future;
    }

  private:
    struct Request {
        std::uint16_t type;
        std::string name;
        Done done;
    };
    // One query on the wire and everyone waiting for it.
    struct InFlight {
        Impl* impl;
        std::uint16_t type;
        std::string name;
        std::string key;
        std::vector<Done> waiters;
        std::chrono::steady_clock::time_point sent;
    };

    void run();
    void start(Request request);
    void finish(InFlight* flight, int code, const unsigned char* abuf, int alen);
    static void onAnswer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
    static void onSocketState(void* data, ares_socket_t fd, int readable, int writable);

    const Options options_;
    Cache cache_;
    QueryTimes times_;
    FileDescriptor wake_;
    ares_channel channel_ = nullptr;
    // Event thread only (c-ares calls back on it).
    std::unordered_map<ares_socket_t, short> sockets_;
    std::unordered_map<std::string, std::unique_ptr<InFlight>> inflight_;
    // Shared with callers.
    std::mutex mutex_;
    std::vector<Request> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

Resolver::Impl::Impl(Options options)
    : options_(std::move(options)),
      cache_(options_.cache_entries),
      wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (wake_.get() < 0) throw std::runtime_error("dns: eventfd failed");
    if (options_.timeout.count() < 1 || options_.tries < 1) {
        throw std::invalid_argument("dns: timeout and tries must be positive");
    }
    initLibrary();
    ares_options opts{};
    char lookups[] = "b";  // DNS only, never /etc/hosts
    opts.flags = ARES_FLAG_EDNS;
    opts.timeout = static_cast<int>(options_.timeout.count());
    opts.tries = options_.tries;
    opts.lookups = lookups;
    opts.sock_state_cb = &Impl::onSocketState;
    opts.sock_state_cb_data = this;
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS |
               ARES_OPT_SOCK_STATE_CB;
    int rc = ares_init_options(&channel_, &opts, mask);
    if (rc != ARES_SUCCESS) {
        throw std::runtime_error(std::string("dns: ares_init_options: ") + ares_strerror(rc));
    }
    if (!options_.servers.empty()) {
        // The node list rather than ares_set_servers_ports_csv: no text to
        // format and re-parse, and the port goes to UDP and TCP alike.
        std::vector<ares_addr_port_node> nodes(options_.servers.size());
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            const Server& server = options_.servers[i];
            ares_addr_port_node& node = nodes[i];
            if (inet_pton(AF_INET, server.host.c_str(), &node.addr.addr4) == 1) {
                node.family = AF_INET;
            } else if (inet_pton(AF_INET6, server.host.c_str(), &node.addr.addr6) == 1) {
                node.family = AF_INET6;
            } else {
                ares_destroy(channel_);
                throw std::invalid_argument("dns: server is not a numeric address: " + server.host);
            }
            node.udp_port = server.port;
            node.tcp_port = server.port;
            node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
        }
        rc = ares_set_servers_ports(channel_, nodes.data());
        if (rc != ARES_SUCCESS) {
            ares_destroy(channel_);
            throw std::runtime_error(std::string("dns: ares_set_servers_ports: ") +
                                     ares_strerror(rc));
        }
    }
    thread_ = std::thread([this] { run(); });
}

Resolver::Impl::~Impl() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
    thread_.join();
    ares_destroy(channel_);
}

void Resolver::Impl::lookup(std::uint16_t type, std::string_view name, Done done) {
    auto canonical = canonicalName(name);
    if (!canonical) {
        done(Answer{Status::nxdomain, {}, {}});
        return;
    }
    if (auto hit = cache_.get(type, *canonical, Cache::Clock::now())) {
        done(*hit);
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back({type, std::move(*canonical), std::move(done)});
            std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
            return;
        }
    }
    done(Answer{});  // the resolver is going away: servfail
}

void Resolver::Impl::run() {
    std::vector<pollfd> fds;
    for (;;) {
        std::vector<Request> requests;
        bool stop;
        {
            std::lock_guard lock(mutex_);
            requests.swap(queue_);
            stop = stopping_;
        }
        for (auto& request : requests) {
            if (stop) {
                request.done(Answer{});
            } else {
                start(std::move(request));
            }
        }
        if (stop) break;

        fds.assign(1, pollfd{wake_.get(), POLLIN, 0});
        for (auto [fd, events] : sockets_) fds.push_back(pollfd{fd, events, 0});
        timeval tv{};
        const timeval* next = ares_timeout(channel_, nullptr, &tv);
        int wait = next ? static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000) : -1;
        if (::poll(fds.data(), fds.size(), wait) < 0) {
            if (errno == EINTR) continue;
            log::fatal("dns: poll failed");
        }
        if (fds[0].revents & POLLIN) {
            std::uint64_t count;
            [[maybe_unused]] auto n = ::read(wake_.get(), &count, sizeof count);
        }
        bool ready = false;
        for (std::size_t i = 1; i < fds.size(); ++i) {
            const short got = fds[i].revents;
            if (got == 0) continue;
            ready = true;
            const bool failed = got & (POLLERR | POLLHUP | POLLNVAL);
            const bool read = (fds[i].events & POLLIN) && (failed || (got & POLLIN));
            const bool write = (fds[i].events & POLLOUT) && (failed || (got & POLLOUT));
            ares_process_fd(channel_, read ? fds[i].fd : ARES_SOCKET_BAD,
                            write ? fds[i].fd : ARES_SOCKET_BAD);
        }
        if (!ready) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
    }
    ares_cancel(channel_);  // every query still out ends as ARES_ECANCELLED: servfail
}

void Resolver::Impl::start(Request request) {
    std::string key = std::to_string(request.type) + ' ' + request.name;
    if (auto it = inflight_.find(key); it != inflight_.end()) {
        it->second->waiters.push_back(std::move(request.done));
        return;
    }
    auto flight = std::make_unique<InFlight>(InFlight{this,
                                                      request.type,
                                                      request.name,
                                                      key,
                                                      {std::move(request.done)},
                                                      std::chrono::steady_clock::now()});
    InFlight* arg = flight.get();
    inflight_.emplace(std::move(key), std::move(flight));
    // c-ares may call back before ares_query returns; nothing here touches
    // the flight afterwards.
    ares_query(channel_, request.name.c_str(), kClassIn, request.type, &Impl::onAnswer, arg);
}

void Resolver::Impl::finish(InFlight* flight, int code, const unsigned char* abuf, int alen) {
    std::string key = flight->key;
    auto node = inflight_.extract(key);
    std::span<const unsigned char> msg;
    if (abuf && alen > 0) msg = {abuf, static_cast<std::size_t>(alen)};
    times_.record(typeName(flight->type), std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - flight->sent));
    Outcome out = outcome(flight->type, code, msg, options_.negative_ttl_max);
    cache_.put(flight->type, flight->name, out.answer, out.ttl, Cache::Clock::now());
    for (auto& done : flight->waiters) done(out.answer);
}

void Resolver::Impl::onAnswer(void* arg, int status, int, unsigned char* abuf, int alen) {
    auto* flight = static_cast<InFlight*>(arg);
    flight->impl->finish(flight, status, abuf, alen);
}

void Resolver::Impl::onSocketState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* impl = static_cast<Impl*>(data);
    if (!readable && !writable) {
        impl->sockets_.erase(fd);
    } else {
        impl->sockets_[fd] = static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
    }
}

const char* toString(Status status) {
    switch (status) {
        case Status::ok:
            return "ok";
        case Status::nxdomain:
            return "nxdomain";
        case Status::nodata:
            return "nodata";
        case Status::timeout:
            return "timeout";
        case Status::servfail:
            return "servfail";
    }
    return "unknown";
}

Resolver::Resolver(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

std::vector<QueryTimes::Histogram> Resolver::queryTimes() const {
    return impl_->times().snapshot();
}
Resolver::~Resolver() = default;

std::future<MxResult> Resolver::mxAsync(std::string_view domain) {
    return impl_->ask<MxResult>(kTypeMx, domain, toMx);
}

std::future<AddressResult> Resolver::aAsync(std::string_view host) {
    return impl_->ask<AddressResult>(kTypeA, host, toAddresses);
}

std::future<AddressResult> Resolver::aaaaAsync(std::string_view host) {
    return impl_->ask<AddressResult>(kTypeAaaa, host, toAddresses);
}

std::future<AddressResult> Resolver::addressesAsync(std::string_view host) {
    struct Pair {
        std::mutex mutex;
        Answer v4, v6;
        int left = 2;
        std::promise<AddressResult> promise;
    };
    auto pair = std::make_shared<Pair>();
    auto future = pair->promise.get_future();
    auto half = [pair](Answer Pair::*slot) {
        return [pair, slot](const Answer& answer) {
            bool last;
            {
                std::lock_guard lock(pair->mutex);
                (*pair).*slot = answer;
                last = --pair->left == 0;
            }
            if (last) pair->promise.set_value(combine(pair->v4, pair->v6));
        };
    };
    impl_->lookup(kTypeA, host, half(&Pair::v4));
    impl_->lookup(kTypeAaaa, host, half(&Pair::v6));
    return future;
}

std::future<NameResult> Resolver::ptrAsync(std::string_view ip) {
    auto name = reverseName(ip);
    if (!name) {
        std::promise<NameResult> promise;
        promise.set_value({Status::nxdomain, {}});
        return promise.get_future();
    }
    return impl_->ask<NameResult>(kTypePtr, *name, toNames);
}

std::future<TextResult> Resolver::txtAsync(std::string_view name) {
    return impl_->ask<TextResult>(kTypeTxt, name, toTexts);
}

MxResult Resolver::mx(std::string_view domain) {
    return mxAsync(domain).get();
}
AddressResult Resolver::addresses(std::string_view host) {
    return addressesAsync(host).get();
}
AddressResult Resolver::a(std::string_view host) {
    return aAsync(host).get();
}
AddressResult Resolver::aaaa(std::string_view host) {
    return aaaaAsync(host).get();
}
NameResult Resolver::ptr(std::string_view ip) {
    return ptrAsync(ip).get();
}
TextResult Resolver::txt(std::string_view name) {
    return txtAsync(name).get();
}

}  // namespace moat::dns
