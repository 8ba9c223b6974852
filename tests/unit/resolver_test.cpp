// The c-ares resolver against a real nsd on loopback (tests/fixtures/nsd_server.py):
// every record type, statuses that keep "does not exist" apart from "could not ask",
// the cache, and concurrent lookups from many threads.
#include "dns/resolver.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace moat::dns;
namespace fs = std::filesystem;
extern char** environ;

namespace {

std::uint16_t freeUdpPort() {
    int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

class ResolverTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!fs::exists("/usr/sbin/nsd")) return;
        dir_ = fs::temp_directory_path() / ("moat-resolver-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "example.test.zone") << "@ IN MX 20 mx2.example.test.\n"
                                                     "@ IN MX 10 mx1.example.test.\n"
                                                     "mx1 IN A 127.0.0.11\n"
                                                     "mx1 IN AAAA ::1\n"
                                                     "mx2 IN A 127.0.0.12\n"
                                                     "nullmx IN MX 0 .\n"
                                                     "textonly IN TXT \"v=spf1 -all\"\n"
                                                     "split IN TXT \"part one \" \"part two\"\n";
        std::ofstream(dir_ / "ptr.zone") << "4 IN PTR host4.example.test.\n";
        port_ = freeUdpPort();
        std::string script = std::string(MOAT_SOURCE_DIR) + "/tests/fixtures/nsd_server.py";
        std::string zone1 = "example.test=" + (dir_ / "example.test.zone").string();
        std::string zone2 = "2.0.192.in-addr.arpa=" + (dir_ / "ptr.zone").string();
        std::string port = std::to_string(port_);
        const char* argv[] = {"/usr/bin/python3", script.c_str(), "--zone", zone1.c_str(), "--zone",
                              zone2.c_str(),      "--port",       port.c_str(), nullptr};
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawn(&pid_, argv[0], nullptr, &attr, const_cast<char**>(argv), environ);
        posix_spawnattr_destroy(&attr);
        Resolver probe(options(std::chrono::milliseconds(200)));
        for (int i = 0; i < 100 && probe.txt("textonly.example.test").status != Status::ok; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    static void TearDownTestSuite() {
        if (pid_ > 0) {
            ::kill(-pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
        fs::remove_all(dir_);
    }
    void SetUp() override {
        if (pid_ <= 0) GTEST_SKIP() << "nsd is not installed";
    }
    static Options options(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) {
        Options o;
        o.servers = {{"127.0.0.1", port_}};
        o.timeout = timeout;
        o.tries = 2;
        return o;
    }

    static inline fs::path dir_;
    static inline std::uint16_t port_ = 0;
    static inline pid_t pid_ = -1;
};

}  // namespace

TEST_F(ResolverTest, MxSortedByPreference) {
    Resolver r(options());
    auto mx = r.mx("example.test");
    ASSERT_EQ(mx.status, Status::ok);
    ASSERT_EQ(mx.records.size(), 2u);
    EXPECT_EQ(mx.records[0].host, "mx1.example.test");
    EXPECT_EQ(mx.records[0].preference, 10);
    EXPECT_EQ(mx.records[1].host, "mx2.example.test");
}

TEST_F(ResolverTest, NullMxIsOneEmptyHost) {
    Resolver r(options());
    auto mx = r.mx("nullmx.example.test");
    ASSERT_EQ(mx.status, Status::ok);
    ASSERT_EQ(mx.records.size(), 1u);
    EXPECT_EQ(mx.records[0].host, "");
}

TEST_F(ResolverTest, NxdomainAndNodataAreDistinct) {
    Resolver r(options());
    EXPECT_EQ(r.mx("nothere.example.test").status, Status::nxdomain);
    EXPECT_EQ(r.mx("textonly.example.test").status, Status::nodata);
    EXPECT_EQ(r.addresses("textonly.example.test").status, Status::nodata);
}

TEST_F(ResolverTest, AddressesGivesIPv4ThenIPv6) {
    Resolver r(options());
    auto a = r.addresses("mx1.example.test");
    ASSERT_EQ(a.status, Status::ok);
    ASSERT_EQ(a.addresses.size(), 2u);
    EXPECT_EQ(a.addresses[0], "127.0.0.11");
    EXPECT_EQ(a.addresses[1], "::1");
    EXPECT_EQ(r.a("mx2.example.test").addresses, std::vector<std::string>{"127.0.0.12"});
}

TEST_F(ResolverTest, PtrAndTxt) {
    Resolver r(options());
    auto p = r.ptr("192.0.2.4");
    ASSERT_EQ(p.status, Status::ok);
    EXPECT_EQ(p.names, std::vector<std::string>{"host4.example.test"});
    EXPECT_EQ(r.ptr("192.0.2.5").status, Status::nxdomain);
    auto t = r.txt("split.example.test");
    ASSERT_EQ(t.status, Status::ok);
    EXPECT_EQ(t.texts, std::vector<std::string>{"part one part two"});
}

TEST_F(ResolverTest, ParallelLookupsFromManyThreads) {
    Resolver r(options());
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i)
        threads.emplace_back([&] {
            for (int j = 0; j < 10; ++j)
                if (r.mx("example.test").status == Status::ok && r.addresses("mx2.example.test").status == Status::ok)
                    ++ok;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 200);
}

TEST(Resolver, TimeoutIsNotNonexistence) {
    Options o;
    o.servers = {{"127.0.0.1", freeUdpPort()}};  // nothing listens there
    o.timeout = std::chrono::milliseconds(200);
    o.tries = 1;
    Resolver r(o);
    auto start = std::chrono::steady_clock::now();
    auto mx = r.mx("example.test");
    EXPECT_TRUE(mx.status == Status::timeout || mx.status == Status::servfail) << toString(mx.status);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}
