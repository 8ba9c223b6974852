// The DNS resolver: name helpers, the TTL walk over raw messages and the
// cache as tables; then the real thing against nsd on a free loopback port
// (started through tests/fixtures/nsd_server.py): every lookup kind, null MX,
// NODATA vs NXDOMAIN, TCP fallback, caching, 20 threads at once, timeouts.
#include "dns/resolver.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dns/cache.h"
#include "dns/message_ttl.h"
#include "dns/names.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using moat::dns::Answer;
using moat::dns::Cache;
using moat::dns::Options;
using moat::dns::Resolver;
using moat::dns::Status;

namespace {

constexpr const char* kNsd = "/usr/sbin/nsd";
constexpr const char* kPython = "/usr/bin/python3";

// ------------------------------------------------------------------------------------------
// Names
// ------------------------------------------------------------------------------------------

TEST(ResolverNames, CanonicalName) {
    using moat::dns::canonicalName;
    EXPECT_EQ(canonicalName("Example.COM."), "example.com");
    EXPECT_EQ(canonicalName("_dmarc.example.com"), "_dmarc.example.com");
    EXPECT_EQ(canonicalName("x"), "x");
    EXPECT_EQ(canonicalName(std::string(63, 'a') + ".test"), std::string(63, 'a') + ".test");
    std::string longest = std::string(63, 'a') + '.' + std::string(63, 'b') + '.' +
                          std::string(63, 'c') + '.' + std::string(61, 'd');
    ASSERT_EQ(longest.size(), 253u);
    EXPECT_EQ(canonicalName(longest), longest);
    EXPECT_EQ(canonicalName(longest + "."), longest);
    for (std::string bad :
         {std::string(""), std::string("."), std::string(".."), std::string("a..b"),
          std::string(".a"), std::string("a.b.."), std::string(64, 'a') + ".test", longest + "e",
          std::string("a\\.b"), std::string("a\0b", 3)}) {
        EXPECT_EQ(canonicalName(bad), std::nullopt) << bad;
    }
}

TEST(ResolverNames, ReverseName) {
    using moat::dns::reverseName;
    EXPECT_EQ(reverseName("192.0.2.10"), "10.2.0.192.in-addr.arpa");
    EXPECT_EQ(reverseName("127.0.0.1"), "1.0.0.127.in-addr.arpa");
    EXPECT_EQ(reverseName("::ffff:192.0.2.1"), "1.2.0.192.in-addr.arpa");
    EXPECT_EQ(reverseName("2001:db8::1"),
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    EXPECT_EQ(reverseName("2001:DB8::ABCD"),
              "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    for (const char* bad :
         {"", "127.1", "1.2.3.4.5", "256.1.1.1", "fe80::1%eth0", "abc", "1.2.3.4 ", "::g"}) {
        EXPECT_EQ(reverseName(bad), std::nullopt) << bad;
    }
}

TEST(ResolverStatus, ToString) {
    EXPECT_STREQ(moat::dns::toString(Status::ok), "ok");
    EXPECT_STREQ(moat::dns::toString(Status::nxdomain), "nxdomain");
    EXPECT_STREQ(moat::dns::toString(Status::nodata), "nodata");
    EXPECT_STREQ(moat::dns::toString(Status::timeout), "timeout");
    EXPECT_STREQ(moat::dns::toString(Status::servfail), "servfail");
}

// ------------------------------------------------------------------------------------------
// TTLs from raw messages
// ------------------------------------------------------------------------------------------

class Message {
  public:
    Message(std::uint16_t ancount, std::uint16_t nscount) {
        for (std::uint16_t v : {std::uint16_t{0x1234}, std::uint16_t{0x8180}, std::uint16_t{1},
                                ancount, nscount, std::uint16_t{0}}) {
            u16(v);
        }
        name("mail.test");
        u16(15);  // MX
        u16(1);   // IN
    }
    Message& name(std::string_view dotted) {
        while (!dotted.empty()) {
            auto dot = dotted.find('.');
            auto label = dotted.substr(0, dot);
            bytes.push_back(static_cast<std::uint8_t>(label.size()));
            bytes.insert(bytes.end(), label.begin(), label.end());
            dotted = dot == std::string_view::npos ? "" : dotted.substr(dot + 1);
        }
        bytes.push_back(0);
        return *this;
    }
    Message& pointer() {  // to the question name
        bytes.push_back(0xc0);
        bytes.push_back(12);
        return *this;
    }
    Message& rr(std::uint16_t type, std::uint32_t ttl, std::vector<std::uint8_t> rdata) {
        u16(type);
        u16(1);
        u32(ttl);
        u16(static_cast<std::uint16_t>(rdata.size()));
        bytes.insert(bytes.end(), rdata.begin(), rdata.end());
        return *this;
    }
    Message& soa(std::uint32_t ttl, std::uint32_t minimum) {
        std::vector<std::uint8_t> rdata = {2, 'n', 's', 0xc0, 12, 0, 0};  // MNAME, RNAME=root
        for (std::uint32_t v : {1u, 3600u, 600u, 86400u, minimum}) {
            for (int shift = 24; shift >= 0; shift -= 8) rdata.push_back((v >> shift) & 0xff);
        }
        pointer();
        return rr(6, ttl, rdata);
    }
    std::vector<std::uint8_t> bytes;

  private:
    void u16(std::uint16_t v) {
        bytes.push_back(static_cast<std::uint8_t>(v >> 8));
        bytes.push_back(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
};

TEST(ResolverMessageTtl, AnswerIsTheSmallestTtl) {
    Message m(2, 0);
    m.pointer().rr(15, 3600, {0, 10, 2, 'm', 'x', 0xc0, 12});
    m.pointer().rr(15, 120, {0, 20, 0});
    auto ttls = moat::dns::messageTtls(m.bytes);
    EXPECT_EQ(ttls.answer, 120u);
    EXPECT_EQ(ttls.negative, std::nullopt);
}

TEST(ResolverMessageTtl, NegativeIsSoaTtlOrMinimumWhicheverIsSmaller) {
    Message a(0, 1);
    a.soa(3600, 60);
    EXPECT_EQ(moat::dns::messageTtls(a.bytes).negative, 60u);
    EXPECT_EQ(moat::dns::messageTtls(a.bytes).answer, std::nullopt);
    Message b(0, 2);
    b.name("test").rr(2, 100, {0});  // an NS before the SOA is skipped
    b.soa(30, 600);
    EXPECT_EQ(moat::dns::messageTtls(b.bytes).negative, 30u);
}

TEST(ResolverMessageTtl, HighBitTtlCountsAsZero) {
    Message m(1, 0);
    m.pointer().rr(16, 0x80000000u, {1, 'x'});
    EXPECT_EQ(moat::dns::messageTtls(m.bytes).answer, 0u);
}

TEST(ResolverMessageTtl, MalformedMessagesGiveNothing) {
    Message m(1, 1);
    m.pointer().rr(15, 300, {0, 10, 0});
    m.soa(300, 300);
    auto whole = moat::dns::messageTtls(m.bytes);
    EXPECT_EQ(whole.answer, 300u);
    EXPECT_EQ(whole.negative, 300u);
    for (std::size_t cut = 0; cut < m.bytes.size(); ++cut) {
        std::vector<std::uint8_t> part(m.bytes.begin(), m.bytes.begin() + cut);
        auto ttls = moat::dns::messageTtls(part);
        EXPECT_EQ(ttls.negative, std::nullopt) << cut;
    }
    Message lying(5, 0);  // claims five answers, holds one
    lying.pointer().rr(1, 300, {192, 0, 2, 1});
    EXPECT_EQ(moat::dns::messageTtls(lying.bytes).answer, std::nullopt);
    Message reserved(1, 0);
    reserved.bytes.push_back(0x80);  // a reserved label type
    EXPECT_EQ(moat::dns::messageTtls(reserved.bytes).answer, std::nullopt);
}

// ------------------------------------------------------------------------------------------
// Cache
// ------------------------------------------------------------------------------------------

Answer answer(std::string item) {
    return Answer{Status::ok, {std::move(item)}, {}};
}

TEST(ResolverCache, KeepsAnEntryForItsTtl) {
    Cache cache(10);
    auto t0 = Cache::Clock::now();
    cache.put(1, "a.test", answer("192.0.2.1"), 60s, t0);
    ASSERT_TRUE(cache.get(1, "a.test", t0 + 59s));
    EXPECT_EQ(cache.get(1, "a.test", t0 + 59s)->items, std::vector<std::string>{"192.0.2.1"});
    EXPECT_FALSE(cache.get(28, "a.test", t0));  // another type
    EXPECT_FALSE(cache.get(1, "a.test", t0 + 60s));
    EXPECT_EQ(cache.size(), 0u);  // the expired entry went on lookup
}

TEST(ResolverCache, ZeroTtlOrCapacityStoresNothing) {
    Cache cache(10);
    auto now = Cache::Clock::now();
    cache.put(1, "a.test", answer("x"), 0s, now);
    EXPECT_FALSE(cache.get(1, "a.test", now));
    Cache off(0);
    off.put(1, "a.test", answer("x"), 60s, now);
    EXPECT_FALSE(off.get(1, "a.test", now));
}

TEST(ResolverCache, EvictsTheLeastRecentlyUsed) {
    Cache cache(3);
    auto now = Cache::Clock::now();
    cache.put(1, "a", answer("a"), 60s, now);
    cache.put(1, "b", answer("b"), 60s, now);
    cache.put(1, "c", answer("c"), 60s, now);
    ASSERT_TRUE(cache.get(1, "a", now));  // a is now the most recent
    cache.put(1, "d", answer("d"), 60s, now);
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_TRUE(cache.get(1, "a", now));
    EXPECT_FALSE(cache.get(1, "b", now));
    EXPECT_TRUE(cache.get(1, "c", now));
    EXPECT_TRUE(cache.get(1, "d", now));
    cache.put(1, "c", answer("c2"), 60s, now);  // replacing keeps the size
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_EQ(cache.get(1, "c", now)->items, std::vector<std::string>{"c2"});
}

// ------------------------------------------------------------------------------------------
// nsd through tests/fixtures/nsd_server.py
// ------------------------------------------------------------------------------------------

const char* const kForwardZone = R"(
@        IN SOA ns.moat.test. hostmaster.moat.test. 1 3600 600 86400 60
@        IN NS  ns
ns       IN A   127.0.0.1
mail     IN MX  10 MX1.Moat.Test.
mail     IN MX  10 mx2.moat.test.
mail     IN MX  20 backup.moat.test.
nullmx   IN MX  0 .
host     IN A   192.0.2.10
host     IN A   192.0.2.11
host     IN AAAA 2001:db8::10
v6only   IN AAAA 2001:db8::20
alias    IN CNAME host
text     IN TXT "v=spf1 -all"
text     IN TXT "part one " "part two"
short  1 IN A   192.0.2.50
)";

const char* const kReverseV4Zone = R"(
10       IN PTR host.moat.test.
12       IN PTR A.Moat.Test.
12       IN PTR b.moat.test.
)";

std::string bigTxtZone() {
    // Six 250-byte strings: more than c-ares' EDNS payload, so the answer
    // comes truncated over UDP and whole over TCP, to the same port.
    std::string record = "big IN TXT";
    for (char c = 'a'; c < 'g'; ++c) record += " \"" + std::string(250, c) + "\"";
    return record + "\n";
}

std::string reverseV6Zone() {
    std::string name = *moat::dns::reverseName("2001:db8::10");
    name.resize(name.size() - std::string(".8.b.d.0.1.0.0.2.ip6.arpa").size());
    return name + " IN PTR host.moat.test.\n";
}


// nsd_server.py's CLI in a child process: it prints "nsd on 127.0.0.1:PORT"
// once nsd answers, and stops nsd on SIGTERM (sent also if this test dies).
class Nsd {
  public:
    using Zones = std::vector<std::pair<std::string, std::string>>;

    static bool available() { return ::access(kNsd, X_OK) == 0 && ::access(kPython, X_OK) == 0; }

    explicit Nsd(const Zones& zones, std::uint16_t port = 0) {
        std::vector<std::string> args = {kPython, MOAT_SOURCE_DIR "/tests/fixtures/nsd_server.py"};
        if (port != 0) {
            args.push_back("--port");
            args.push_back(std::to_string(port));
        }
        for (const auto& [name, text] : zones) {
            fs::path file = dir_.path / (name + ".zone");
            std::ofstream(file) << text;
            args.push_back("--zone");
            args.push_back(name + "=" + file.string());
        }
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            ::dup2(out[1], STDOUT_FILENO);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        output_ = out[0];
        if (pid_ < 0) throw std::runtime_error("fork failed");
        port_ = readPort();
    }

    ~Nsd() {
        stop();
        if (output_ >= 0) ::close(output_);
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    std::uint16_t port() const { return port_; }

  private:
    std::uint16_t readPort() {
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (line.find('\n') == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{output_, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                throw std::runtime_error("nsd_server.py did not report a port");
            }
            char buf[256];
            ssize_t n = ::read(output_, buf, sizeof buf);
            if (n <= 0) throw std::runtime_error("nsd_server.py exited: " + line);
            line.append(buf, static_cast<std::size_t>(n));
        }
        auto colon = line.rfind(':');
        if (line.rfind("nsd on ", 0) != 0 || colon == std::string::npos) {
            throw std::runtime_error("nsd_server.py said: " + line);
        }
        return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
    }

    moat::test::TempDir dir_{"moat-resolver"};
    pid_t pid_ = -1;
    int output_ = -1;
    std::uint16_t port_ = 0;
};

Nsd::Zones testZones() {
    return {{"moat.test", std::string(kForwardZone) + bigTxtZone()},
            {"2.0.192.in-addr.arpa", kReverseV4Zone},
            {"8.b.d.0.1.0.0.2.ip6.arpa", reverseV6Zone()}};
}

Options options(std::uint16_t port, std::size_t cache_entries = 1000) {
    Options o;
    o.servers = {{"127.0.0.1", port}};
    o.timeout = 1000ms;
    o.tries = 2;
    o.cache_entries = cache_entries;
    return o;
}

std::set<std::string> asSet(const std::vector<std::string>& v) {
    return {v.begin(), v.end()};
}

class ResolverNsd : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (Nsd::available()) nsd_ = std::make_unique<Nsd>(testZones());
    }
    static void TearDownTestSuite() { nsd_.reset(); }
    void SetUp() override {
        if (!nsd_) GTEST_SKIP() << kNsd << " or " << kPython << " is missing";
        resolver_ = std::make_unique<Resolver>(options(nsd_->port()));
    }

    Resolver& resolver() { return *resolver_; }

    static std::unique_ptr<Nsd> nsd_;
    std::unique_ptr<Resolver> resolver_;
};

std::unique_ptr<Nsd> ResolverNsd::nsd_;

TEST_F(ResolverNsd, MxSortedByPreferenceWithTiesShuffled) {
    std::set<std::string> firsts;
    for (int i = 0; i < 64; ++i) {  // the cache answers after the first; it shuffles too
        auto mx = resolver().mx(i % 2 ? "Mail.Moat.Test." : "mail.moat.test");
        ASSERT_EQ(mx.status, Status::ok);
        ASSERT_EQ(mx.records.size(), 3u);
        EXPECT_EQ(mx.records[0].preference, 10);
        EXPECT_EQ(mx.records[1].preference, 10);
        EXPECT_EQ(mx.records[2].preference, 20);
        EXPECT_EQ((std::set<std::string>{mx.records[0].host, mx.records[1].host}),
                  (std::set<std::string>{"mx1.moat.test", "mx2.moat.test"}));
        EXPECT_EQ(mx.records[2].host, "backup.moat.test");
        firsts.insert(mx.records[0].host);
    }
    EXPECT_EQ(firsts.size(), 2u) << "ties were never shuffled";
}

TEST_F(ResolverNsd, NullMxIsOkWithOneEmptyHost) {
    auto mx = resolver().mx("nullmx.moat.test");
    ASSERT_EQ(mx.status, Status::ok);
    ASSERT_EQ(mx.records.size(), 1u);
    EXPECT_EQ(mx.records[0].host, "");
    EXPECT_EQ(mx.records[0].preference, 0);
}

TEST_F(ResolverNsd, MxNodataAndNxdomainAreTold) {
    auto nodata = resolver().mx("text.moat.test");
    EXPECT_EQ(nodata.status, Status::nodata);
    EXPECT_TRUE(nodata.records.empty());
    EXPECT_EQ(resolver().mx("missing.moat.test").status, Status::nxdomain);
}

TEST_F(ResolverNsd, AddressesGivesIpv4ThenIpv6) {
    auto result = resolver().addresses("HOST.moat.test");
    ASSERT_EQ(result.status, Status::ok);
    ASSERT_EQ(result.addresses.size(), 3u);
    EXPECT_EQ((std::set<std::string>{result.addresses[0], result.addresses[1]}),
              (std::set<std::string>{"192.0.2.10", "192.0.2.11"}));
    EXPECT_EQ(result.addresses[2], "2001:db8::10");
}

TEST_F(ResolverNsd, OneFamilyOnly) {
    auto both = resolver().addresses("v6only.moat.test");
    EXPECT_EQ(both.status, Status::ok);
    EXPECT_EQ(both.addresses, std::vector<std::string>{"2001:db8::20"});
    EXPECT_EQ(resolver().a("v6only.moat.test").status, Status::nodata);
    EXPECT_EQ(resolver().aaaa("v6only.moat.test").addresses,
              std::vector<std::string>{"2001:db8::20"});
    EXPECT_EQ(resolver().aaaa("short.moat.test").status, Status::nodata);
    EXPECT_EQ(resolver().addresses("text.moat.test").status, Status::nodata);
    EXPECT_EQ(resolver().addresses("missing.moat.test").status, Status::nxdomain);
    EXPECT_EQ(resolver().a("missing.moat.test").status, Status::nxdomain);
}

TEST_F(ResolverNsd, AFollowsCname) {
    auto result = resolver().a("alias.moat.test");
    ASSERT_EQ(result.status, Status::ok);
    EXPECT_EQ(asSet(result.addresses), (std::set<std::string>{"192.0.2.10", "192.0.2.11"}));
}

TEST_F(ResolverNsd, PtrForIpv4AndIpv6) {
    auto one = resolver().ptr("192.0.2.10");
    ASSERT_EQ(one.status, Status::ok);
    EXPECT_EQ(one.names, std::vector<std::string>{"host.moat.test"});
    auto two = resolver().ptr("192.0.2.12");
    ASSERT_EQ(two.status, Status::ok);
    EXPECT_EQ(asSet(two.names), (std::set<std::string>{"a.moat.test", "b.moat.test"}));
    auto mapped = resolver().ptr("::ffff:192.0.2.10");
    EXPECT_EQ(mapped.names, std::vector<std::string>{"host.moat.test"});
    auto v6 = resolver().ptr("2001:db8::10");
    ASSERT_EQ(v6.status, Status::ok);
    EXPECT_EQ(v6.names, std::vector<std::string>{"host.moat.test"});
    EXPECT_EQ(resolver().ptr("192.0.2.99").status, Status::nxdomain);
    EXPECT_EQ(resolver().ptr("2001:db8::99").status, Status::nxdomain);
    EXPECT_EQ(resolver().ptr("not-an-address").status, Status::nxdomain);
}

TEST_F(ResolverNsd, TxtJoinsEachRecordsStrings) {
    auto txt = resolver().txt("text.moat.test");
    ASSERT_EQ(txt.status, Status::ok);
    EXPECT_EQ(asSet(txt.texts), (std::set<std::string>{"v=spf1 -all", "part one part two"}));
    EXPECT_EQ(resolver().txt("host.moat.test").status, Status::nodata);
    EXPECT_EQ(resolver().txt("missing.moat.test").status, Status::nxdomain);
}

TEST_F(ResolverNsd, TruncatedAnswerIsFetchedOverTcpOnTheSamePort) {
    auto txt = resolver().txt("big.moat.test");
    ASSERT_EQ(txt.status, Status::ok);
    ASSERT_EQ(txt.texts.size(), 1u);
    EXPECT_EQ(txt.texts[0].size(), 1500u);
    EXPECT_EQ(txt.texts[0].substr(1250), std::string(250, 'f'));
}

TEST_F(ResolverNsd, RefusedIsServfailAndBadNamesAreNxdomain) {
    EXPECT_EQ(resolver().mx("example.org").status, Status::servfail);  // not nsd's zone
    EXPECT_EQ(resolver().mx("a..moat.test").status, Status::nxdomain);
    EXPECT_EQ(resolver().mx(std::string("mail\0.moat.test", 15)).status, Status::nxdomain);
    EXPECT_EQ(resolver().txt("").status, Status::nxdomain);
}

TEST_F(ResolverNsd, AsyncLookupsRunTogether) {
    auto mx = resolver().mxAsync("mail.moat.test");
    auto addresses = resolver().addressesAsync("host.moat.test");
    auto txt = resolver().txtAsync("text.moat.test");
    auto ptr = resolver().ptrAsync("192.0.2.10");
    auto missing = resolver().aAsync("missing.moat.test");
    EXPECT_EQ(mx.get().records.size(), 3u);
    EXPECT_EQ(addresses.get().addresses.size(), 3u);
    EXPECT_EQ(txt.get().texts.size(), 2u);
    EXPECT_EQ(ptr.get().names, std::vector<std::string>{"host.moat.test"});
    EXPECT_EQ(missing.get().status, Status::nxdomain);
}

TEST_F(ResolverNsd, TwentyThreadsAtOnce) {
    Resolver uncached(options(nsd_->port(), 0));  // every lookup goes to nsd
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 20; ++t) {
        threads.emplace_back([&] {
            for (int round = 0; round < 10; ++round) {
                auto mx = uncached.mxAsync("mail.moat.test");
                auto addresses = uncached.addressesAsync("host.moat.test");
                if (uncached.txt("text.moat.test").texts.size() != 2) ++wrong;
                if (uncached.ptr("192.0.2.10").names.size() != 1) ++wrong;
                if (uncached.mx("missing.moat.test").status != Status::nxdomain) ++wrong;
                if (mx.get().records.size() != 3) ++wrong;
                if (addresses.get().addresses.size() != 3) ++wrong;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(wrong, 0);
}

// ------------------------------------------------------------------------------------------
// The cache in front of a server that goes away
// ------------------------------------------------------------------------------------------

TEST(ResolverCaching, AnswersOutliveTheServerForTheirTtl) {
    if (!Nsd::available()) GTEST_SKIP() << kNsd << " or " << kPython << " is missing";
    Nsd nsd(testZones());
    Options o = options(nsd.port());
    o.timeout = 300ms;
    o.tries = 1;
    Resolver resolver(o);
    o.negative_ttl_max = 1s;  // the zone's SOA says 60 s
    Resolver capped(o);
    Resolver uncached(options(nsd.port(), 0));
    ASSERT_EQ(resolver.mx("mail.moat.test").records.size(), 3u);
    ASSERT_EQ(resolver.addresses("host.moat.test").addresses.size(), 3u);
    ASSERT_EQ(resolver.txt("text.moat.test").status, Status::ok);
    ASSERT_EQ(resolver.ptr("192.0.2.10").status, Status::ok);
    ASSERT_EQ(resolver.mx("text.moat.test").status, Status::nodata);
    ASSERT_EQ(resolver.a("missing.moat.test").status, Status::nxdomain);
    ASSERT_EQ(resolver.a("short.moat.test").status, Status::ok);  // TTL 1
    ASSERT_EQ(capped.a("missing.moat.test").status, Status::nxdomain);
    nsd.stop();

    EXPECT_EQ(uncached.mx("mail.moat.test").status, Status::servfail) << "nsd is still up";
    EXPECT_EQ(resolver.mx("MAIL.moat.test.").records.size(), 3u);
    EXPECT_EQ(resolver.addresses("host.moat.test").addresses.size(), 3u);
    EXPECT_EQ(resolver.txt("text.moat.test").texts.size(), 2u);
    EXPECT_EQ(resolver.ptr("192.0.2.10").names.size(), 1u);
    EXPECT_EQ(resolver.mx("text.moat.test").status, Status::nodata);
    EXPECT_EQ(resolver.a("missing.moat.test").status, Status::nxdomain);
    EXPECT_EQ(resolver.txt("never-asked.moat.test").status, Status::servfail);

    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(resolver.a("short.moat.test").status, Status::servfail) << "TTL 1 not honoured";
    EXPECT_EQ(capped.a("missing.moat.test").status, Status::servfail)
        << "negative_ttl_max not honoured";
    EXPECT_EQ(resolver.a("missing.moat.test").status, Status::nxdomain);  // SOA minimum 60
    EXPECT_EQ(resolver.mx("mail.moat.test").status, Status::ok);          // TTL 300
}

TEST(ResolverCaching, FailuresAreNotCached) {
    if (!Nsd::available()) GTEST_SKIP() << kNsd << " or " << kPython << " is missing";
    auto nsd = std::make_unique<Nsd>(testZones());
    const std::uint16_t port = nsd->port();
    Options o = options(port);
    o.timeout = 300ms;
    o.tries = 1;
    Resolver resolver(o);
    EXPECT_EQ(resolver.mx("example.org").status, Status::servfail);  // REFUSED: not nsd's zone
    nsd->stop();
    EXPECT_EQ(resolver.mx("mail.moat.test").status, Status::servfail);  // closed port
    nsd = std::make_unique<Nsd>(testZones(), port);                     // back, on the same port
    EXPECT_EQ(resolver.mx("mail.moat.test").status, Status::ok);
}

// ------------------------------------------------------------------------------------------
// Nobody answering
// ------------------------------------------------------------------------------------------

// A UDP socket that receives queries and never answers.
class BlackHole {
  public:
    BlackHole() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            throw std::runtime_error("cannot bind a UDP socket");
        }
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~BlackHole() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

Options quick(std::uint16_t port) {
    Options o = options(port);
    o.timeout = 300ms;
    o.tries = 1;
    return o;
}

TEST(ResolverTimeout, SilentServerIsTimeout) {
    BlackHole hole;
    Resolver resolver(quick(hole.port()));
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(resolver.mx("mail.moat.test").status, Status::timeout);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
    EXPECT_EQ(resolver.addresses("host.moat.test").status, Status::timeout);
    EXPECT_EQ(resolver.mx("mail.moat.test").status, Status::timeout);  // not cached
}

// The kernel refuses at once (ICMP port unreachable); c-ares 1.18 reports that
// as it reports a SERVFAIL answer, so no time is spent waiting for a timeout.
TEST(ResolverTimeout, ClosedPortIsServfailNotTimeout) {
    std::uint16_t port;
    {
        BlackHole probe;  // a port that was free a moment ago, now closed
        port = probe.port();
    }
    Resolver resolver(quick(port));
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(resolver.txt("text.moat.test").status, Status::servfail);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms) << "the refusal was not noticed";
}

TEST(ResolverTimeout, WaitsRunInParallel) {
    BlackHole hole;
    Resolver resolver(quick(hole.port()));
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    std::atomic<int> timeouts{0};
    for (int t = 0; t < 20; ++t) {
        threads.emplace_back([&, t] {
            if (resolver.a("host" + std::to_string(t) + ".moat.test").status == Status::timeout) {
                ++timeouts;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(timeouts, 20);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "lookups waited for each other";
}

TEST(ResolverTimeout, DestructionAnswersWhatIsPending) {
    BlackHole hole;
    Options o = quick(hole.port());
    o.timeout = 10s;
    auto resolver = std::make_unique<Resolver>(o);
    auto pending = resolver->mxAsync("mail.moat.test");
    auto start = std::chrono::steady_clock::now();
    resolver.reset();
    EXPECT_EQ(pending.get().status, Status::servfail);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ResolverOptions, RejectsWhatCannotWork) {
    Options o;
    o.servers = {{"dns.example", 53}};
    EXPECT_THROW(Resolver{o}, std::invalid_argument);
    o.servers = {{"127.0.0.1", 53}};
    o.tries = 0;
    EXPECT_THROW(Resolver{o}, std::invalid_argument);
}

}  // namespace

TEST_F(ResolverNsd, QueryTimesCountQueriesSentNotCacheHits) {
    resolver().mx("mail.moat.test");
    resolver().mx("mail.moat.test");  // from the cache
    resolver().ptr("192.0.2.1");
    auto times = resolver().queryTimes();
    ASSERT_EQ(times.size(), 2u);
    EXPECT_EQ(times[0].type, "mx");
    EXPECT_EQ(times[0].count, 1);
    EXPECT_EQ(times[1].type, "ptr");
    EXPECT_EQ(times[1].count, 1);
    EXPECT_EQ(times[0].cumulative.back(), 1);  // a local nsd answers within 10 s
}

TEST(QueryTimes, CumulativeBuckets) {
    moat::dns::QueryTimes t;
    t.record("a", std::chrono::microseconds(500));
    t.record("a", std::chrono::microseconds(2500));
    t.record("a", std::chrono::seconds(20));
    t.record("txt", std::chrono::microseconds(-3));  // a clock step never gives a negative time
    auto s = t.snapshot();
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].type, "a");
    EXPECT_EQ(s[0].count, 3);
    EXPECT_EQ(s[0].sum_us, 500 + 2500 + 20000000);
    EXPECT_EQ(s[0].cumulative[0], 1);      // <= 1 ms
    EXPECT_EQ(s[0].cumulative[1], 2);      // <= 2.5 ms, the bound included
    EXPECT_EQ(s[0].cumulative.back(), 2);  // 20 s is over every bound
    EXPECT_EQ(s[1].type, "txt");
    EXPECT_EQ(s[1].sum_us, 0);
    EXPECT_EQ(s[1].cumulative[0], 1);
}
