#include "dns/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace moat::dns {

const char* toString(Status s) {
    switch (s) {
        case Status::ok: return "ok";
        case Status::nxdomain: return "NXDOMAIN";
        case Status::nodata: return "no data";
        case Status::timeout: return "timeout";
        case Status::servfail: return "SERVFAIL";
    }
    return "?";
}

namespace {

struct Raw {
    Status status = Status::servfail;
    std::vector<unsigned char> answer;
};

Status mapStatus(int s) {
    switch (s) {
        case ARES_SUCCESS: return Status::ok;
        case ARES_ENODATA: return Status::nodata;
        case ARES_ENOTFOUND: return Status::nxdomain;
        case ARES_ETIMEOUT: return Status::timeout;
        default: return Status::servfail;
    }
}

std::string lowerNoDot(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

class Resolver::Impl {
public:
    explicit Impl(Options o) : options_(std::move(o)) {
        static std::once_flag init;
        std::call_once(init, [] { ares_library_init(ARES_LIB_INIT_ALL); });
        ares_options opts{};
        opts.timeout = static_cast<int>(options_.timeout.count());
        opts.tries = options_.tries;
        int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
        if (ares_init_options(&channel_, &opts, mask) != ARES_SUCCESS)
            throw std::runtime_error("dns: cannot initialise c-ares");
        if (!options_.servers.empty()) {
            std::string csv;
            for (const auto& s : options_.servers) {
                if (!csv.empty()) csv += ",";
                bool v6 = s.host.find(':') != std::string::npos;
                csv += (v6 ? "[" + s.host + "]" : s.host) + ":" + std::to_string(s.port);
            }
            if (ares_set_servers_ports_csv(channel_, csv.c_str()) != ARES_SUCCESS) {
                ares_destroy(channel_);
                throw std::runtime_error("dns: bad server list " + csv);
            }
        }
        if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("dns: pipe failed");
        thread_ = std::thread([this] { loop(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake();
        thread_.join();
        ares_destroy(channel_);
        ::close(wake_[0]);
        ::close(wake_[1]);
    }

    // Runs one query; blocks the caller only.
    std::future<Raw> query(const std::string& name, int type) {
        auto key = std::to_string(type) + ":" + lowerNoDot(name);
        auto promise = std::make_shared<std::promise<Raw>>();
        auto future = promise->get_future();
        {
            std::lock_guard lock(cache_mutex_);
            auto it = cache_.find(key);
            if (it != cache_.end()) {
                if (it->second.expires > std::chrono::steady_clock::now()) {
                    promise->set_value(it->second.raw);
                    return future;
                }
                cache_.erase(it);
            }
        }
        {
            std::lock_guard lock(mutex_);
            pending_.push_back({name, type, key, promise});
        }
        wake();
        return future;
    }

    void store(const std::string& key, const Raw& raw, std::chrono::seconds ttl) {
        if (options_.cache_entries == 0 || ttl.count() <= 0) return;
        if (raw.status == Status::timeout || raw.status == Status::servfail) return;
        std::lock_guard lock(cache_mutex_);
        if (cache_.size() >= options_.cache_entries) cache_.clear();  // crude but bounded
        cache_[key] = {raw, std::chrono::steady_clock::now() + ttl};
    }

    const Options& options() const { return options_; }

private:
    struct Pending {
        std::string name;
        int type;
        std::string key;
        std::shared_ptr<std::promise<Raw>> promise;
    };
    struct Entry {
        Raw raw;
        std::chrono::steady_clock::time_point expires;
    };
    struct Call {
        Impl* self;
        std::string key;
        std::shared_ptr<std::promise<Raw>> promise;
    };

    void wake() {
        char c = 1;
        [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
    }

    static void callback(void* arg, int status, int, unsigned char* abuf, int alen) {
        std::unique_ptr<Call> call(static_cast<Call*>(arg));
        Raw raw;
        raw.status = mapStatus(status);
        if (status == ARES_SUCCESS && abuf && alen > 0) raw.answer.assign(abuf, abuf + alen);
        std::chrono::seconds ttl(0);
        if (raw.status == Status::nxdomain || raw.status == Status::nodata)
            ttl = std::min<std::chrono::seconds>(std::chrono::seconds(300), call->self->options_.negative_ttl_max);
        else if (raw.status == Status::ok)
            ttl = std::chrono::seconds(300);
        call->self->store(call->key, raw, ttl);
        call->promise->set_value(std::move(raw));
    }

    void loop() {
        for (;;) {
            std::deque<Pending> batch;
            {
                std::lock_guard lock(mutex_);
                if (stopping_) break;
                batch.swap(pending_);
            }
            for (auto& p : batch) {
                auto* call = new Call{this, p.key, p.promise};
                ares_query(channel_, p.name.c_str(), ns_c_in, p.type, &Impl::callback, call);
            }
            ares_socket_t socks[ARES_GETSOCK_MAXNUM];
            int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
            std::vector<pollfd> fds;
            fds.push_back({wake_[0], POLLIN, 0});
            for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
                short ev = 0;
                if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
                if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
                if (ev) fds.push_back({socks[i], ev, 0});
            }
            timeval tv{}, max{1, 0};
            timeval* t = ares_timeout(channel_, &max, &tv);
            int ms = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000);
            ::poll(fds.data(), fds.size(), ms);
            if (fds[0].revents & POLLIN) {
                char buf[256];
                while (::read(wake_[0], buf, sizeof buf) > 0) {
                }
            }
            bool any = false;
            for (std::size_t i = 1; i < fds.size(); ++i) {
                if (!fds[i].revents) continue;
                any = true;
                ares_process_fd(channel_, (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD,
                                (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD);
            }
            if (!any) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
        }
        ares_cancel(channel_);
    }

    Options options_;
    ares_channel channel_ = nullptr;
    int wake_[2]{-1, -1};
    std::mutex mutex_;
    std::deque<Pending> pending_;
    bool stopping_ = false;
    std::thread thread_;
    std::mutex cache_mutex_;
    std::unordered_map<std::string, Entry> cache_;
};

Resolver::Resolver(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Resolver::~Resolver() = default;

MxResult Resolver::mx(std::string_view domain) {
    MxResult out;
    Raw raw = impl_->query(std::string(domain), ns_t_mx).get();
    out.status = raw.status;
    if (raw.status != Status::ok) return out;
    ares_mx_reply* mx = nullptr;
    int rc = ares_parse_mx_reply(raw.answer.data(), static_cast<int>(raw.answer.size()), &mx);
    if (rc != ARES_SUCCESS) {
        out.status = rc == ARES_ENODATA ? Status::nodata : Status::servfail;
        return out;
    }
    for (auto* p = mx; p; p = p->next) out.records.push_back({p->priority, lowerNoDot(p->host ? p->host : "")});
    ares_free_data(mx);
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::shuffle(out.records.begin(), out.records.end(), rng);
    std::stable_sort(out.records.begin(), out.records.end(),
                     [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
    if (out.records.empty()) out.status = Status::nodata;
    return out;
}

namespace {
void parseA(const Raw& raw, AddressResult& out) {
    hostent* host = nullptr;
    ares_addrttl ttls[64];
    int n = 64;
    if (ares_parse_a_reply(raw.answer.data(), static_cast<int>(raw.answer.size()), &host, ttls, &n) != ARES_SUCCESS)
        return;
    if (host) ares_free_hostent(host);
    for (int i = 0; i < n; ++i) {
        char buf[INET_ADDRSTRLEN];
        if (inet_ntop(AF_INET, &ttls[i].ipaddr, buf, sizeof buf)) out.addresses.push_back(buf);
    }
}
void parseAaaa(const Raw& raw, AddressResult& out) {
    hostent* host = nullptr;
    ares_addr6ttl ttls[64];
    int n = 64;
    if (ares_parse_aaaa_reply(raw.answer.data(), static_cast<int>(raw.answer.size()), &host, ttls, &n) !=
        ARES_SUCCESS)
        return;
    if (host) ares_free_hostent(host);
    for (int i = 0; i < n; ++i) {
        char buf[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, &ttls[i].ip6addr, buf, sizeof buf)) out.addresses.push_back(buf);
    }
}
Status combine(Status a, Status b) {
    if (a == Status::ok || b == Status::ok) return Status::ok;
    if (a == Status::timeout || b == Status::timeout) return Status::timeout;
    if (a == Status::servfail || b == Status::servfail) return Status::servfail;
    if (a == Status::nxdomain || b == Status::nxdomain) return Status::nxdomain;
    return Status::nodata;
}
}  // namespace

AddressResult Resolver::addresses(std::string_view host) {
    auto fa = impl_->query(std::string(host), ns_t_a);
    auto faaaa = impl_->query(std::string(host), ns_t_aaaa);
    Raw a = fa.get(), aaaa = faaaa.get();
    AddressResult out;
    if (a.status == Status::ok) parseA(a, out);
    if (aaaa.status == Status::ok) parseAaaa(aaaa, out);
    out.status = out.addresses.empty() ? combine(a.status == Status::ok ? Status::nodata : a.status,
                                                 aaaa.status == Status::ok ? Status::nodata : aaaa.status)
                                       : Status::ok;
    return out;
}

AddressResult Resolver::a(std::string_view host) {
    Raw raw = impl_->query(std::string(host), ns_t_a).get();
    AddressResult out;
    out.status = raw.status;
    if (raw.status == Status::ok) {
        parseA(raw, out);
        if (out.addresses.empty()) out.status = Status::nodata;
    }
    return out;
}

NameResult Resolver::ptr(std::string_view ip) {
    NameResult out;
    std::string name;
    unsigned char buf[16];
    int family = AF_INET, addrlen = 4;
    std::string text(ip);
    if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
        for (int i = 3; i >= 0; --i) name += std::to_string(buf[i]) + ".";
        name += "in-addr.arpa";
    } else if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
        family = AF_INET6;
        addrlen = 16;
        static const char* hex = "0123456789abcdef";
        for (int i = 15; i >= 0; --i) {
            name += hex[buf[i] & 15];
            name += '.';
            name += hex[buf[i] >> 4];
            name += '.';
        }
        name += "ip6.arpa";
    } else {
        out.status = Status::servfail;
        return out;
    }
    Raw raw = impl_->query(name, ns_t_ptr).get();
    out.status = raw.status;
    if (raw.status != Status::ok) return out;
    hostent* host = nullptr;
    if (ares_parse_ptr_reply(raw.answer.data(), static_cast<int>(raw.answer.size()), buf, addrlen, family, &host) ==
            ARES_SUCCESS &&
        host) {
        if (host->h_name) out.names.push_back(lowerNoDot(host->h_name));
        for (char** a = host->h_aliases; a && *a; ++a) {
            auto n = lowerNoDot(*a);
            if (std::find(out.names.begin(), out.names.end(), n) == out.names.end()) out.names.push_back(n);
        }
        ares_free_hostent(host);
    }
    if (out.names.empty()) out.status = Status::nodata;
    return out;
}

TextResult Resolver::txt(std::string_view name) {
    TextResult out;
    Raw raw = impl_->query(std::string(name), ns_t_txt).get();
    out.status = raw.status;
    if (raw.status != Status::ok) return out;
    ares_txt_ext* txt = nullptr;
    if (ares_parse_txt_reply_ext(raw.answer.data(), static_cast<int>(raw.answer.size()), &txt) != ARES_SUCCESS) {
        out.status = Status::nodata;
        return out;
    }
    for (auto* p = txt; p; p = p->next) {
        std::string s(reinterpret_cast<const char*>(p->txt), p->length);
        if (p->record_start || out.texts.empty()) out.texts.push_back(s);
        else out.texts.back() += s;
    }
    ares_free_data(txt);
    if (out.texts.empty()) out.status = Status::nodata;
    return out;
}

}  // namespace moat::dns
