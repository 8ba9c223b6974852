// The store access layer behind moatctl and the relay policy: CIDR parsing
// and matching, domains, relay networks, POP-before-SMTP relayers and queue
// administration, each against a fresh SQLite store in a temporary directory.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/cidr.h"
#include "queue/queue_admin.h"
#include "store/domains.h"
#include "store/pop_relayers.h"
#include "store/relay_networks.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace Poco::Data::Keywords;
using moat::net::Cidr;

namespace {

Poco::Net::IPAddress ip(const std::string& text) {
    return Poco::Net::IPAddress(text);
}

class StoreTables : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = moat::store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        session_ = std::make_unique<Poco::Data::Session>(store_->connect());
    }
    void TearDown() override {
        session_.reset();
        store_.reset();
    }

    long long generation() {
        Poco::Int64 n = 0;
        session() << "SELECT n FROM generation WHERE id = 1", into(n), now;
        return n;
    }

    Poco::Data::Session& session() { return *session_; }

    moat::test::TempDir dir_{"moat-store"};
    std::unique_ptr<moat::store::Store> store_;
    std::unique_ptr<Poco::Data::Session> session_;
};

// --- Cidr -------------------------------------------------------------------

struct CidrCase {
    const char* input;
    const char* canonical;  // nullptr: must be rejected
};

TEST(Cidr, ParsesAndNormalises) {
    const CidrCase cases[] = {
        {"192.0.2.0/24", "192.0.2.0/24"},
        {"192.0.2.77/24", "192.0.2.0/24"},  // host bits cleared
        {"192.0.2.77", "192.0.2.77/32"},
        {"10.1.2.3/9", "10.0.0.0/9"},
        {"0.0.0.0/0", "0.0.0.0/0"},
        {"2001:DB8::/32", "2001:db8::/32"},
        {"2001:db8:ffff::1/33", "2001:db8:8000::/33"},
        {"2001:db8::1", "2001:db8::1/128"},
        {"::/0", "::/0"},
        {"::2", "::2/128"},
        {"::ffff:192.0.2.1/120", "192.0.2.0/24"},  // IPv4-mapped folds to IPv4
        {"::ffff:192.0.2.1", "192.0.2.1/32"},
        {"", nullptr},
        {"/24", nullptr},
        {"192.0.2.0/", nullptr},
        {"192.0.2.0/33", nullptr},
        {"192.0.2.0/-1", nullptr},
        {"192.0.2.0/+8", nullptr},
        {"192.0.2.0/24/1", nullptr},
        {"192.0.2.0/0024", nullptr},
        {"2001:db8::/129", nullptr},
        {"127.1", nullptr},      // inet_aton shorthand
        {"010.0.0.1", nullptr},  // octal
        {"192.0.2.256", nullptr},
        {"fe80::1%eth0/64", nullptr},
        {"example.com/24", nullptr},
        {" 192.0.2.0/24", nullptr},
    };
    for (const auto& c : cases) {
        auto parsed = Cidr::parse(c.input);
        if (c.canonical == nullptr) {
            EXPECT_FALSE(parsed) << c.input;
        } else {
            ASSERT_TRUE(parsed) << c.input;
            EXPECT_EQ(parsed->str(), c.canonical) << c.input;
            EXPECT_EQ(Cidr::parse(parsed->str()), parsed) << "round trip of " << c.input;
        }
    }
}

TEST(Cidr, ContainsIPv4) {
    auto net = *Cidr::parse("192.0.2.128/25");
    EXPECT_TRUE(net.contains(ip("192.0.2.128")));
    EXPECT_TRUE(net.contains(ip("192.0.2.255")));
    EXPECT_FALSE(net.contains(ip("192.0.2.127")));
    EXPECT_FALSE(net.contains(ip("192.0.3.128")));
    EXPECT_FALSE(net.contains(ip("2001:db8::1")));
    EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(ip("203.0.113.9")));
    EXPECT_TRUE(Cidr::parse("10.0.0.0/7")->contains(ip("11.255.0.1")));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/7")->contains(ip("12.0.0.1")));
}

TEST(Cidr, ContainsIPv6) {
    auto net = *Cidr::parse("2001:db8::/32");
    EXPECT_TRUE(net.contains(ip("2001:db8::1")));
    EXPECT_TRUE(net.contains(ip("2001:db8:ffff:ffff::1")));
    EXPECT_FALSE(net.contains(ip("2001:db9::1")));
    EXPECT_FALSE(net.contains(ip("192.0.2.1")));
    auto host = *Cidr::parse("2001:db8::1/127");
    EXPECT_TRUE(host.contains(ip("2001:db8::")));
    EXPECT_TRUE(host.contains(ip("2001:db8::1")));
    EXPECT_FALSE(host.contains(ip("2001:db8::2")));
}

TEST(Cidr, MappedClientMatchesIPv4Network) {
    auto net = *Cidr::parse("192.0.2.0/24");
    EXPECT_TRUE(net.contains(ip("::ffff:192.0.2.10")));
    EXPECT_FALSE(net.contains(ip("::ffff:198.51.100.10")));
    // An IPv6 network does not swallow IPv4 clients, mapped or not.
    EXPECT_FALSE(Cidr::parse("::/0")->contains(ip("::ffff:192.0.2.10")));
    EXPECT_FALSE(Cidr::parse("::/0")->contains(ip("192.0.2.10")));
    // A mapped network given in IPv6 form matches plain IPv4 clients.
    EXPECT_TRUE(Cidr::parse("::ffff:192.0.2.0/120")->contains(ip("192.0.2.10")));
}

TEST(Ip, StrictParseAndCanonicalText) {
    EXPECT_FALSE(moat::net::parseIp("127.1"));
    EXPECT_FALSE(moat::net::parseIp("010.0.0.1"));
    EXPECT_FALSE(moat::net::parseIp("fe80::1%lo"));
    EXPECT_FALSE(moat::net::parseIp(""));
    EXPECT_FALSE(moat::net::parseIp(std::string_view("1.2.3.4\0", 8)));
    EXPECT_EQ(moat::net::canonicalIp(*moat::net::parseIp("192.0.2.1")), "192.0.2.1");
    EXPECT_EQ(moat::net::canonicalIp(*moat::net::parseIp("::ffff:192.0.2.1")), "192.0.2.1");
    EXPECT_EQ(moat::net::canonicalIp(*moat::net::parseIp("2001:DB8:0:0:1:0:0:1")),
              "2001:db8::1:0:0:1");
    EXPECT_EQ(moat::net::canonicalIp(*moat::net::parseIp("1:0:0:2:0:0:0:3")),
              "1:0:0:2::3");  // RFC 5952
    EXPECT_EQ(moat::net::canonicalIp(*moat::net::parseIp("::2")), "::2");
    EXPECT_EQ(moat::net::canonicalIp(*moat::net::parseIp("::")), "::");
}

// --- domains ----------------------------------------------------------------

TEST(DomainName, Syntax) {
    using moat::store::normaliseDomainName;
    EXPECT_EQ(normaliseDomainName("Example.COM"), "example.com");
    EXPECT_EQ(normaliseDomainName("xn--bcher-kva.example"), "xn--bcher-kva.example");
    EXPECT_EQ(normaliseDomainName("a-b.c0"), "a-b.c0");
    EXPECT_EQ(normaliseDomainName("localhost"), "localhost");
    const char* bad[] = {"",        "example.com.", ".example.com", "a..b",      "-a.com", "a-.com",
                         "a_b.com", "a b.com",      "bücher.de",    "192.0.2.1", "a.123"};
    for (const char* name : bad)
        EXPECT_THROW(normaliseDomainName(name), std::invalid_argument) << name;
    EXPECT_NO_THROW(normaliseDomainName(std::string(63, 'a') + ".com"));
    EXPECT_THROW(normaliseDomainName(std::string(64, 'a') + ".com"), std::invalid_argument);
    std::string long_name;
    for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
    long_name += "com";  // 259 bytes
    EXPECT_THROW(normaliseDomainName(long_name), std::invalid_argument);
}

TEST_F(StoreTables, Domains) {
    using namespace moat::store;
    long long gen = generation();
    auto d = addDomain(session(), "Example.COM", "Mail.Backend.Example", 2525);
    EXPECT_GT(d.id, 0);
    EXPECT_EQ(d.name, "example.com");
    EXPECT_EQ(d.backend_host, "mail.backend.example");
    EXPECT_EQ(d.backend_port, 2525);
    EXPECT_EQ(d.options, "{}");
    EXPECT_GT(d.created, 0);
    EXPECT_GT(generation(), gen);

    addDomain(session(), "another.org", "2001:DB8::25", 25);
    EXPECT_THROW(addDomain(session(), "EXAMPLE.com", "x.example", 25), std::invalid_argument);
    EXPECT_THROW(addDomain(session(), "bad_name.com", "x.example", 25), std::invalid_argument);
    EXPECT_THROW(addDomain(session(), "ok.com", "", 25), std::invalid_argument);
    EXPECT_THROW(addDomain(session(), "ok.com", "bad host", 25), std::invalid_argument);
    EXPECT_THROW(addDomain(session(), "ok.com", "x.example", 0), std::invalid_argument);

    auto list = listDomains(session());
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].name, "another.org");
    EXPECT_EQ(list[0].backend_host, "2001:db8::25");
    EXPECT_EQ(list[1].name, "example.com");

    auto found = findDomain(session(), "EXAMPLE.Com");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, d.id);
    EXPECT_EQ(found->backend_port, 2525);
    EXPECT_FALSE(findDomain(session(), "missing.com"));

    EXPECT_TRUE(removeDomain(session(), "Example.Com"));
    EXPECT_FALSE(removeDomain(session(), "example.com"));
    EXPECT_EQ(listDomains(session()).size(), 1u);
}

// --- relay networks ---------------------------------------------------------

TEST_F(StoreTables, RelayNetworks) {
    using namespace moat::store;
    long long gen = generation();
    auto r = addRelayNetwork(session(), "192.0.2.99/24", "office");
    EXPECT_EQ(r.cidr, "192.0.2.0/24");
    EXPECT_EQ(r.note, "office");
    EXPECT_GT(r.id, 0);
    EXPECT_GT(generation(), gen);
    addRelayNetwork(session(), "2001:DB8::/32");
    EXPECT_THROW(addRelayNetwork(session(), "192.0.2.0/24"),
                 std::invalid_argument);  // same network
    EXPECT_THROW(addRelayNetwork(session(), "192.0.2.0/33"), std::invalid_argument);
    EXPECT_THROW(addRelayNetwork(session(), "10.0.0.0/8", "bad\nnote"), std::invalid_argument);
    EXPECT_THROW(addRelayNetwork(session(), "10.0.0.0/8", std::string(201, 'n')),
                 std::invalid_argument);

    auto list = listRelayNetworks(session());
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].cidr, "192.0.2.0/24");
    EXPECT_EQ(list[1].cidr, "2001:db8::/32");
    EXPECT_EQ(list[1].note, "");

    EXPECT_TRUE(removeRelayNetwork(session(), "192.0.2.1/24"));  // any host in it names it
    EXPECT_FALSE(removeRelayNetwork(session(), "192.0.2.0/24"));
    EXPECT_THROW(removeRelayNetwork(session(), "nonsense"), std::invalid_argument);
    EXPECT_EQ(listRelayNetworks(session()).size(), 1u);
}

// --- POP-before-SMTP --------------------------------------------------------

TEST_F(StoreTables, PopRelayers) {
    using namespace moat::store;
    EXPECT_EQ(addPopRelayer(session(), "192.0.2.1", 1000).ip, "192.0.2.1");
    EXPECT_EQ(addPopRelayer(session(), "::ffff:198.51.100.7", 3000).ip, "198.51.100.7");
    EXPECT_EQ(addPopRelayer(session(), "2001:DB8::0:1", 2000).ip, "2001:db8::1");
    EXPECT_THROW(addPopRelayer(session(), "127.1", 1), std::invalid_argument);
    EXPECT_THROW(addPopRelayer(session(), "host.example", 1), std::invalid_argument);
    EXPECT_THROW(addPopRelayer(session(), "192.0.2.2", -1), std::invalid_argument);

    auto all = listPopRelayers(session());
    ASSERT_EQ(all.size(), 3u);  // ordered by ts
    EXPECT_EQ(all[0].ip, "192.0.2.1");
    EXPECT_EQ(all[1].ip, "2001:db8::1");
    EXPECT_EQ(all[2].ip, "198.51.100.7");
    EXPECT_EQ(all[2].ts, 3000);

    // Upsert: a new login moves the entry, it does not duplicate it.
    long long gen = generation();
    addPopRelayer(session(), "192.0.2.1", 4000);
    EXPECT_GT(generation(), gen);
    all = listPopRelayers(session());
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[2].ip, "192.0.2.1");
    EXPECT_EQ(all[2].ts, 4000);

    auto recent = listPopRelayers(session(), 3000);
    ASSERT_EQ(recent.size(), 2u);
    EXPECT_EQ(recent[0].ip, "198.51.100.7");

    EXPECT_EQ(expirePopRelayers(session(), 3000), 1u);  // strictly older only
    EXPECT_EQ(expirePopRelayers(session(), 3000), 0u);
    EXPECT_EQ(listPopRelayers(session()).size(), 2u);

    EXPECT_TRUE(deletePopRelayer(session(), "::ffff:198.51.100.7"));  // same key as the v4 form
    EXPECT_FALSE(deletePopRelayer(session(), "198.51.100.7"));
    EXPECT_THROW(deletePopRelayer(session(), "not-an-ip"), std::invalid_argument);
    ASSERT_EQ(listPopRelayers(session()).size(), 1u);
    EXPECT_EQ(listPopRelayers(session())[0].ip, "192.0.2.1");
}

// --- queue administration ---------------------------------------------------

class QueueAdmin : public StoreTables {
  protected:
    void queue(std::string id, std::string sender, Poco::Int64 created, Poco::Int64 next,
               const std::vector<std::string>& rcpts) {
        Poco::Int64 size = 100 + static_cast<Poco::Int64>(id.size());
        int attempts = 2;
        session() << "INSERT INTO queue (id, sender, size, created, next_attempt, attempts) VALUES "
                     "(?, ?, ?, ?, ?, ?)",
            use(id), use(sender), use(size), use(created), use(next), use(attempts), now;
        int status = 0;
        for (std::string rcpt : rcpts) {
            std::string reply = "451 4.4.1 try " + rcpt;
            session() << "INSERT INTO queue_rcpt (queue_id, rcpt, status, last_reply) VALUES (?, "
                         "?, ?, ?)",
                use(id), use(rcpt), use(status), use(reply), now;
            status = (status + 1) % 3;
        }
        std::filesystem::create_directories(spool() / "msg");
        std::ofstream(spool() / "msg" / id) << "Subject: test\r\n\r\nbody\r\n";
    }

    std::filesystem::path spool() const { return dir_.path / "spool"; }

    long long rows(const char* count_sql) {
        Poco::Int64 n = 0;
        session() << count_sql, into(n), now;
        return n;
    }
};

TEST_F(QueueAdmin, ListFlushDelete) {
    using namespace moat::queue;
    EXPECT_TRUE(listQueue(session()).empty());
    EXPECT_EQ(flushQueue(session()), 0u);

    queue("B0000000000000002", "late@example.com", 2000, 9000, {"z@example.org"});
    queue("A0000000000000001", "", 1000, 8000, {"b@example.org", "a@example.org", "c@example.org"});

    auto entries = listQueue(session());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].id, "A0000000000000001");  // oldest first
    EXPECT_EQ(entries[0].sender, "");
    EXPECT_EQ(entries[0].size, 117);
    EXPECT_EQ(entries[0].created, 1000);
    EXPECT_EQ(entries[0].next_attempt, 8000);
    EXPECT_EQ(entries[0].attempts, 2);
    ASSERT_EQ(entries[0].recipients.size(), 3u);
    EXPECT_EQ(std::get<0>(entries[0].recipients[0]), "a@example.org");
    EXPECT_EQ(std::get<1>(entries[0].recipients[0]), 1);
    EXPECT_EQ(std::get<2>(entries[0].recipients[0]), "451 4.4.1 try a@example.org");
    EXPECT_EQ(std::get<0>(entries[0].recipients[2]), "c@example.org");
    EXPECT_EQ(std::get<1>(entries[0].recipients[2]), 2);
    ASSERT_EQ(entries[1].recipients.size(), 1u);
    EXPECT_EQ(std::get<0>(entries[1].recipients[0]), "z@example.org");

    EXPECT_EQ(flushQueue(session()), 2u);
    for (const auto& e : listQueue(session())) EXPECT_EQ(e.next_attempt, 0) << e.id;

    std::string spool_dir = spool().string();
    EXPECT_TRUE(deleteQueued(session(), spool_dir, "A0000000000000001"));
    EXPECT_FALSE(std::filesystem::exists(spool() / "msg" / "A0000000000000001"));
    EXPECT_TRUE(std::filesystem::exists(spool() / "msg" / "B0000000000000002"));
    EXPECT_EQ(rows("SELECT COUNT(*) FROM queue"), 1);
    EXPECT_EQ(rows("SELECT COUNT(*) FROM queue_rcpt"), 1);
    EXPECT_FALSE(deleteQueued(session(), spool_dir, "A0000000000000001"));

    // A record whose spool file is already gone is still deleted.
    std::filesystem::remove(spool() / "msg" / "B0000000000000002");
    EXPECT_TRUE(deleteQueued(session(), spool_dir, "B0000000000000002"));
    EXPECT_TRUE(listQueue(session()).empty());
}

TEST_F(QueueAdmin, RejectsIdsUnsafeInAPath) {
    using namespace moat::queue;
    std::string spool_dir = spool().string();
    for (const char* id : {"", "../moat.db", "a/b", "A.B", "a b", "a\n"})
        EXPECT_THROW(deleteQueued(session(), spool_dir, id), std::invalid_argument) << id;
    EXPECT_FALSE(validQueueId(std::string(65, 'A')));
    EXPECT_TRUE(validQueueId(std::string(64, 'A')));
    EXPECT_TRUE(std::filesystem::exists(dir_.path / "moat.db"));
}

}  // namespace
