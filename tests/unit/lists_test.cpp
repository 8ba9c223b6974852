// White/black lists: the store functions (canonical values, validation,
// duplicates, bulk paste, hit counters) against a fresh SQLite store, and the
// ListSet matcher's precedence rules, subdomains, CIDR longest-prefix
// matching for IPv4, IPv6 and IPv4-mapped clients, case-insensitivity, and
// the thread-safe ListHits accumulator.
#include "policy/lists.h"

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/domains.h"
#include "store/list_entries.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace Poco::Data::Keywords;
using moat::policy::ListHits;
using moat::policy::ListSet;
using moat::store::ListEntry;

namespace {

Poco::Net::IPAddress ip(const std::string& text) {
    return Poco::Net::IPAddress(text);
}

class ListStore : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = moat::store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        session_ = std::make_unique<Poco::Data::Session>(store_->connect());
        example_ = moat::store::addDomain(session(), "example.com", "127.0.0.1", 25).id;
        other_ = moat::store::addDomain(session(), "other.org", "127.0.0.1", 25).id;
    }
    void TearDown() override {
        session_.reset();
        store_.reset();
    }

    Poco::Data::Session& session() { return *session_; }

    long long generation() {
        Poco::Int64 n = 0;
        session() << "SELECT n FROM generation WHERE id = 1", into(n), now;
        return n;
    }

    ListEntry add(long long domain, const std::string& list, const std::string& kind,
                  const std::string& value, bool subdomains = false, const std::string& note = "") {
        return moat::store::addListEntry(session(), domain, list, kind, value, subdomains, note);
    }

    moat::test::TempDir dir_{"moat-lists"};
    std::unique_ptr<moat::store::Store> store_;
    std::unique_ptr<Poco::Data::Session> session_;
    long long example_ = 0, other_ = 0;
};

// --- store ------------------------------------------------------------------

struct ValueCase {
    const char* list;
    const char* kind;
    const char* input;
    const char* value;  // nullptr: refused
    bool subdomains = false;
};

TEST_F(ListStore, CanonicalValues) {
    const ValueCase cases[] = {
        {"allow", "sender", "Jane@Example.COM", "Jane@example.com"},
        {"deny", "sender", "<bob@Example.org>", "bob@example.org"},
        {"allow", "sender", "  \"j doe\"@example.net \r", "\"j doe\"@example.net"},
        {"deny", "sender", "\"plain\"@example.net", "plain@example.net"},
        {"allow", "sender_domain", "Example.NET", "example.net"},
        {"allow", "sender_domain", "example.info.", "example.info"},
        {"deny", "sender_domain", "@spam.example", "spam.example"},
        {"deny", "sender_domain", "*.Spam.test", "spam.test", true},
        {"allow", "sender_domain", ".partner.test", "partner.test", true},
        {"allow", "client", "192.0.2.77/24", "192.0.2.0/24"},
        {"deny", "client", "198.51.100.9", "198.51.100.9/32"},
        {"deny", "client", "2001:DB8::1/48", "2001:db8::/48"},
        {"allow", "client", "::ffff:203.0.113.5", "203.0.113.5/32"},
        {"exception", "client", "10.1.2.3/8", "10.0.0.0/8"},
        {"exception", "domain", "Google.com", "google.com", true},  // always with subdomains
        {"exception", "domain", "*.outlook.com", "outlook.com", true},
        {"passthrough", "recipient", "PostMaster@other.test", "PostMaster@other.test"},
        {"allow", "sender", "", nullptr},
        {"allow", "sender", "no-at-sign", nullptr},
        {"allow", "sender", "a@@b.c", nullptr},
        {"allow", "sender", "a@b.c SIZE=10", nullptr},
        {"allow", "sender", "<>", nullptr},
        {"deny", "sender_domain", "bad_name.com", nullptr},
        {"deny", "sender_domain", "*.", nullptr},
        {"deny", "sender_domain", "example.123", nullptr},
        {"deny", "client", "192.0.2.0/33", nullptr},
        {"deny", "client", "127.1", nullptr},
        {"deny", "client", "example.com", nullptr},
        {"exception", "domain", "..", nullptr},
        {"passthrough", "recipient", "nobody", nullptr},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.list) + " " + c.kind + " '" + c.input + "'");
        if (!c.value) {
            EXPECT_THROW(add(0, c.list, c.kind, c.input), std::invalid_argument);
            continue;
        }
        auto e = add(0, c.list, c.kind, c.input);
        EXPECT_EQ(e.value, c.value);
        EXPECT_EQ(e.subdomains, c.subdomains);
        EXPECT_GT(e.id, 0);
        EXPECT_GT(e.created, 0);
        EXPECT_EQ(e.domain_id, 0);
    }
}

TEST_F(ListStore, ValidatesListKindScopeAndNote) {
    EXPECT_THROW(add(0, "whitelist", "sender", "a@b.c"), std::invalid_argument);
    for (const char* kind : {"recipient", "domain", "bogus"}) {
        EXPECT_THROW(add(0, "allow", kind, "a@b.c"), std::invalid_argument);
        EXPECT_THROW(add(0, "deny", kind, "a@b.c"), std::invalid_argument);
    }
    for (const char* kind : {"sender", "sender_domain", "client", "domain"})
        EXPECT_THROW(add(0, "passthrough", kind, "a@b.c"), std::invalid_argument);
    for (const char* kind : {"sender", "sender_domain", "recipient"})
        EXPECT_THROW(add(0, "exception", kind, "a@b.c"), std::invalid_argument);

    try {
        add(0, "allow", "recipient", "a@b.c");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("sender, sender_domain or client"), std::string::npos)
            << e.what();
    }

    // subdomains only for domain kinds
    EXPECT_THROW(add(0, "allow", "sender", "a@b.c", true), std::invalid_argument);
    EXPECT_THROW(add(0, "allow", "client", "192.0.2.1", true), std::invalid_argument);
    EXPECT_TRUE(add(0, "allow", "sender_domain", "b.c", true).subdomains);

    // scope: the domain must exist; a domain's passthrough recipients are its own
    EXPECT_THROW(add(9999, "allow", "sender", "a@b.c"), std::invalid_argument);
    EXPECT_THROW(add(-1, "allow", "sender", "a@b.c"), std::invalid_argument);
    EXPECT_EQ(add(example_, "passthrough", "recipient", "abuse@EXAMPLE.com").value,
              "abuse@example.com");
    EXPECT_THROW(add(example_, "passthrough", "recipient", "abuse@other.org"),
                 std::invalid_argument);
    EXPECT_THROW(add(example_, "passthrough", "recipient", "abuse@sub.example.com"),
                 std::invalid_argument);
    EXPECT_EQ(add(0, "passthrough", "recipient", "abuse@other.org").domain_id, 0);

    // notes
    EXPECT_EQ(add(0, "deny", "client", "192.0.2.9", false, "seen spamming").note, "seen spamming");
    EXPECT_THROW(add(0, "deny", "client", "192.0.2.10", false, std::string(201, 'x')),
                 std::invalid_argument);
    EXPECT_THROW(add(0, "deny", "client", "192.0.2.10", false, "bad\nnote"), std::invalid_argument);
}

TEST_F(ListStore, DuplicatesRefusedPerScopeListAndKind) {
    add(0, "allow", "sender", "Jane@example.com");
    auto expectDuplicate = [&](long long domain, const char* list, const char* kind,
                               const char* value) {
        SCOPED_TRACE(std::string(list) + " " + kind + " " + value);
        try {
            add(domain, list, kind, value);
            FAIL() << "duplicate accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("already listed"), std::string::npos) << e.what();
        }
    };
    expectDuplicate(0, "allow", "sender", "jane@EXAMPLE.com");
    expectDuplicate(0, "allow", "sender", "JANE@example.com");
    // the same value elsewhere is a different entry
    add(0, "deny", "sender", "jane@example.com");
    add(example_, "allow", "sender", "jane@example.com");

    add(0, "deny", "sender_domain", "spam.test");
    expectDuplicate(0, "deny", "sender_domain", "*.SPAM.test");
    add(0, "deny", "client", "192.0.2.0/24");
    expectDuplicate(0, "deny", "client", "192.0.2.200/24");
    add(0, "exception", "domain", "google.com");
    expectDuplicate(0, "exception", "domain", "*.google.com");
}

TEST_F(ListStore, ListRemoveAndGeneration) {
    long long g0 = generation();
    auto a = add(example_, "allow", "sender_domain", "partner.test", false, "partner");
    auto b = add(0, "deny", "client", "192.0.2.0/24");
    auto c = add(other_, "deny", "sender", "x@y.test");
    auto d = add(0, "allow", "client", "198.51.100.0/24");
    EXPECT_GT(generation(), g0);

    auto all = moat::store::listListEntries(session());
    ASSERT_EQ(all.size(), 4u);  // by scope, list, kind, value
    EXPECT_EQ(all[0].id, d.id);
    EXPECT_EQ(all[1].id, b.id);
    EXPECT_EQ(all[2].id, a.id);
    EXPECT_EQ(all[2].note, "partner");
    EXPECT_EQ(all[3].id, c.id);

    auto global = moat::store::listListEntries(session(), 0);
    ASSERT_EQ(global.size(), 2u);
    EXPECT_EQ(moat::store::listListEntries(session(), example_).size(), 1u);
    auto deny = moat::store::listListEntries(session(), std::nullopt, "deny");
    ASSERT_EQ(deny.size(), 2u);
    EXPECT_EQ(moat::store::listListEntries(session(), 0, "deny").size(), 1u);
    EXPECT_TRUE(moat::store::listListEntries(session(), 0, "passthrough").empty());
    EXPECT_THROW(moat::store::listListEntries(session(), 0, "blacklist"), std::invalid_argument);

    long long g1 = generation();
    EXPECT_TRUE(moat::store::removeListEntry(session(), b.id));
    EXPECT_FALSE(moat::store::removeListEntry(session(), b.id));
    EXPECT_GT(generation(), g1);
    EXPECT_EQ(moat::store::listListEntries(session(), 0).size(), 1u);

    // removing a domain removes its entries
    moat::store::removeDomain(session(), "other.org");
    EXPECT_TRUE(moat::store::listListEntries(session(), other_).empty());
}

TEST_F(ListStore, HitsAccumulateWithoutReload) {
    auto a = add(0, "deny", "client", "192.0.2.0/24");
    auto b = add(0, "allow", "sender", "a@b.test");
    long long g = generation();
    moat::store::addListHits(session(), {{a.id, 3, 1000}, {b.id, 1, 500}, {99999, 7, 7}});
    moat::store::addListHits(session(), {{a.id, 2, 900}});
    moat::store::addListHits(session(), {});
    EXPECT_EQ(generation(), g);  // hit counters must not make the daemon reload
    auto all = moat::store::listListEntries(session(), 0);
    ASSERT_EQ(all.size(), 2u);
    const ListEntry& ea = all[0].id == a.id ? all[0] : all[1];
    const ListEntry& eb = all[0].id == a.id ? all[1] : all[0];
    EXPECT_EQ(ea.hits, 5);
    EXPECT_EQ(ea.last_hit, 1000);
    EXPECT_EQ(eb.hits, 1);
    EXPECT_EQ(eb.last_hit, 500);
}

TEST_F(ListStore, BulkPaste) {
    add(0, "deny", "sender", "old@spam.test");
    std::vector<std::string> lines = {
        "one@spam.test",      // 1
        "",                   // 2
        "# a comment",        // 3
        "  two@spam.test\r",  // 4
        "not an address",     // 5
        "<three@SPAM.test>",  // 6
        "old@spam.test",      // 7: already listed
        "one@spam.test",      // 8: duplicate within the paste
        "   ",                // 9
        "four@spam.test",     // 10
    };
    std::vector<std::string> errors;
    auto added =
        moat::store::addListEntries(session(), 0, "deny", "sender", lines, "pasted", errors);
    EXPECT_EQ(added, 4u);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].rfind("line 5: ", 0), 0u) << errors[0];
    EXPECT_EQ(errors[1].rfind("line 7: ", 0), 0u) << errors[1];
    EXPECT_NE(errors[1].find("already listed"), std::string::npos) << errors[1];
    EXPECT_EQ(errors[2].rfind("line 8: ", 0), 0u) << errors[2];

    auto all = moat::store::listListEntries(session(), 0, "deny");
    std::vector<std::string> values;
    for (const auto& e : all) values.push_back(e.value);
    EXPECT_EQ(values, (std::vector<std::string>{"four@spam.test", "old@spam.test", "one@spam.test",
                                                "three@spam.test", "two@spam.test"}));
    for (const auto& e : all) {
        EXPECT_EQ(e.note, e.value == "old@spam.test" ? "" : "pasted") << e.value;
    }

    // Subdomains by prefix, per line.
    errors.clear();
    EXPECT_EQ(moat::store::addListEntries(session(), example_, "allow", "sender_domain",
                                          {"*.partner.test", "exact.test"}, "", errors),
              2u);
    EXPECT_TRUE(errors.empty());
    auto domains = moat::store::listListEntries(session(), example_);
    ASSERT_EQ(domains.size(), 2u);
    EXPECT_EQ(domains[0].value, "exact.test");
    EXPECT_FALSE(domains[0].subdomains);
    EXPECT_TRUE(domains[1].subdomains);

    // A bad list, kind, scope or note refuses the whole paste.
    errors.clear();
    EXPECT_THROW(
        moat::store::addListEntries(session(), 0, "allow", "recipient", {"a@b.test"}, "", errors),
        std::invalid_argument);
    EXPECT_THROW(
        moat::store::addListEntries(session(), 4242, "deny", "sender", {"a@b.test"}, "", errors),
        std::invalid_argument);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(moat::store::listListEntries(session()).size(), 7u);
}

TEST_F(ListStore, LoadedListSetMatchesStoredForms) {
    add(0, "deny", "sender", "<Spammer@Example.NET>");
    add(example_, "allow", "sender_domain", "*.Partner.TEST.");
    add(0, "exception", "client", "::ffff:192.0.2.0/120");
    add(example_, "passthrough", "recipient", "Abuse@example.com");
    auto set = ListSet::load(session());
    ASSERT_EQ(set->size(), 4u);
    auto m = set->senderList(example_, ip("203.0.113.1"), "spammer@example.net");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->list, "deny");
    m = set->senderList(example_, ip("203.0.113.1"), "x@mx.partner.test");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->list, "allow");
    EXPECT_EQ(m->domain_id, example_);
    EXPECT_TRUE(set->exception(0, ip("192.0.2.44"), "", ""));
    EXPECT_TRUE(set->passthrough(example_, "abuse@example.com"));
    EXPECT_FALSE(set->passthrough(other_, "abuse@example.com"));
}

// --- ListSet ----------------------------------------------------------------

class Entries {
  public:
    Entries& add(long long domain, const char* list, const char* kind, const char* value,
                 bool subdomains = false) {
        ListEntry e;
        e.id = static_cast<long long>(entries_.size()) + 1;
        e.domain_id = domain;
        e.list = list;
        e.kind = kind;
        e.value = value;
        e.subdomains = subdomains;
        e.note = std::string("note ") + value;
        entries_.push_back(e);
        return *this;
    }
    std::shared_ptr<const ListSet> build() const { return ListSet::build(entries_); }

  private:
    std::vector<ListEntry> entries_;
};

// "allow 3" / "deny 7" / "-": which list and entry a senderList query hits.
std::string verdict(const ListSet& set, long long domain, const char* client, const char* sender) {
    auto m = set.senderList(domain, ip(client), sender);
    return m ? m->list + " " + std::to_string(m->id) : "-";
}

TEST(ListSet, EmptyMatchesNothing) {
    auto set = ListSet::build({});
    EXPECT_EQ(set->size(), 0u);
    EXPECT_FALSE(set->senderList(1, ip("192.0.2.1"), "a@b.c"));
    EXPECT_FALSE(set->passthrough(1, "a@b.c"));
    EXPECT_FALSE(set->exception(1, ip("192.0.2.1"), "mx.b.c", "b.c"));
}

TEST(ListSet, DomainScopeBeatsGlobal) {
    auto set = Entries()
                   .add(0, "deny", "sender_domain", "partner.test")   // 1
                   .add(1, "allow", "sender_domain", "partner.test")  // 2
                   .add(0, "allow", "client", "192.0.2.0/24")         // 3
                   .add(2, "deny", "client", "192.0.2.0/24")          // 4
                   .add(1, "deny", "sender", "boss@partner.test")     // 5
                   .build();
    EXPECT_EQ(verdict(*set, 1, "203.0.113.1", "a@partner.test"), "allow 2");
    EXPECT_EQ(verdict(*set, 2, "203.0.113.1", "a@partner.test"), "deny 1");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@partner.test"), "deny 1");
    EXPECT_EQ(verdict(*set, 3, "203.0.113.1", "a@partner.test"), "deny 1");  // no own entries
    // Scope first, specificity second: domain 1's sender-domain allow beats
    // the global client allow, and domain 2's client deny beats the global
    // sender-domain deny (both deny anyway) and the global client allow.
    EXPECT_EQ(verdict(*set, 1, "192.0.2.5", "a@partner.test"), "allow 2");
    EXPECT_EQ(verdict(*set, 2, "192.0.2.5", "a@elsewhere.test"), "deny 4");
    EXPECT_EQ(verdict(*set, 3, "192.0.2.5", "a@elsewhere.test"), "allow 3");
    EXPECT_EQ(verdict(*set, 1, "192.0.2.5", "boss@partner.test"), "deny 5");
    auto m = set->senderList(1, ip("192.0.2.5"), "boss@partner.test");
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->global());
    EXPECT_TRUE(m->denied());
    EXPECT_EQ(m->kind, "sender");
    EXPECT_EQ(m->value, "boss@partner.test");
    EXPECT_EQ(m->note, "note boss@partner.test");
    EXPECT_EQ(m->describe(), "deny sender boss@partner.test (list entry 5)");
}

TEST(ListSet, MostSpecificWinsWithinAScope) {
    auto set = Entries()
                   .add(0, "deny", "client", "192.0.2.0/24")                  // 1
                   .add(0, "allow", "sender", "friend@spam.test")             // 2
                   .add(0, "deny", "sender_domain", "spam.test", true)        // 3
                   .add(0, "allow", "sender_domain", "good.spam.test", true)  // 4
                   .add(0, "deny", "sender_domain", "bad.good.spam.test")     // 5
                   .add(0, "allow", "client", "192.0.2.128/25")               // 6
                   .add(0, "deny", "client", "192.0.2.200/32")                // 7
                   .add(0, "allow", "client", "10.0.0.0/8")                   // 8
                   .build();
    // address > domain > client
    EXPECT_EQ(verdict(*set, 0, "192.0.2.1", "friend@spam.test"), "allow 2");
    EXPECT_EQ(verdict(*set, 0, "10.0.0.1", "foe@spam.test"), "deny 3");
    EXPECT_EQ(verdict(*set, 0, "192.0.2.1", "someone@else.test"), "deny 1");
    // deeper names before the names above them
    EXPECT_EQ(verdict(*set, 0, "198.51.100.1", "a@mx.good.spam.test"), "allow 4");
    EXPECT_EQ(verdict(*set, 0, "198.51.100.1", "a@good.spam.test"), "allow 4");
    EXPECT_EQ(verdict(*set, 0, "198.51.100.1", "a@bad.good.spam.test"), "deny 5");
    // 5 is exact only: below it, 4 (subdomains) is the most specific
    EXPECT_EQ(verdict(*set, 0, "198.51.100.1", "a@x.bad.good.spam.test"), "allow 4");
    // longest prefix
    EXPECT_EQ(verdict(*set, 0, "192.0.2.127", ""), "deny 1");
    EXPECT_EQ(verdict(*set, 0, "192.0.2.128", ""), "allow 6");
    EXPECT_EQ(verdict(*set, 0, "192.0.2.200", ""), "deny 7");
    EXPECT_EQ(verdict(*set, 0, "192.0.2.201", ""), "allow 6");
    EXPECT_EQ(verdict(*set, 0, "192.0.3.1", ""), "-");
    // the null sender is judged by the client alone
    EXPECT_EQ(verdict(*set, 0, "10.9.9.9", ""), "allow 8");
    EXPECT_EQ(verdict(*set, 0, "198.51.100.1", ""), "-");
}

TEST(ListSet, DenyWinsATie) {
    auto set = Entries()
                   .add(0, "allow", "sender", "x@tie.test")            // 1
                   .add(0, "deny", "sender", "x@tie.test")             // 2
                   .add(0, "allow", "sender_domain", "tie.test")       // 3
                   .add(0, "deny", "sender_domain", "tie.test", true)  // 4
                   .add(0, "deny", "client", "192.0.2.0/24")           // 5
                   .add(0, "allow", "client", "192.0.2.0/24")          // 6
                   .add(0, "allow", "sender_domain", "sub.tie.test")   // 7
                   .build();
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "x@tie.test"), "deny 2");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "y@tie.test"), "deny 4");
    EXPECT_EQ(verdict(*set, 0, "192.0.2.9", ""), "deny 5");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "y@sub.tie.test"), "allow 7");  // more specific
}

TEST(ListSet, SubdomainsOnlyWhenAsked) {
    auto set = Entries()
                   .add(0, "deny", "sender_domain", "exact.test")       // 1
                   .add(0, "deny", "sender_domain", "wide.test", true)  // 2
                   .add(0, "deny", "sender_domain", "test", true)       // 3: a whole TLD
                   .add(0, "allow", "sender_domain", "example")         // 4
                   .build();
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@exact.test"), "deny 1");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@sub.exact.test"), "deny 3");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@wide.test"), "deny 2");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@a.b.c.wide.test"), "deny 2");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@notwide.test"), "deny 3");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@example"), "allow 4");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@x.example"), "-");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@example.org"), "-");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "a@[192.0.2.1]"), "-");
}

TEST(ListSet, CaseInsensitiveAddressesAndDomains) {
    auto set = Entries()
                   .add(0, "allow", "sender", "Jane.Doe@example.com")             // 1
                   .add(0, "deny", "sender_domain", "spam.test", true)            // 2
                   .add(1, "passthrough", "recipient", "PostMaster@example.com")  // 3
                   .add(0, "exception", "domain", "google.com", true)             // 4
                   .build();
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "jane.doe@example.com"), "allow 1");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "JANE.DOE@EXAMPLE.COM"), "allow 1");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "jane.do@example.com"), "-");
    EXPECT_EQ(verdict(*set, 0, "203.0.113.1", "x@MX.Spam.TEST"), "deny 2");
    EXPECT_TRUE(set->passthrough(1, "postmaster@example.com"));
    EXPECT_TRUE(set->passthrough(1, "POSTMASTER@Example.Com"));
    EXPECT_TRUE(set->exception(1, ip("203.0.113.1"), "MAIL-X.GOOGLE.COM.", ""));
}

TEST(ListSet, IPv6AndMappedClients) {
    auto set = Entries()
                   .add(0, "deny", "client", "2001:db8::/32")              // 1
                   .add(0, "allow", "client", "2001:db8:1::/48")           // 2
                   .add(0, "deny", "client", "2001:db8:1:2:3::/80")        // 3
                   .add(0, "allow", "client", "2001:db8:1:2:3:4:5:6/128")  // 4
                   .add(0, "deny", "client", "192.0.2.0/24")               // 5
                   .add(0, "allow", "client", "::/0")                      // 6
                   .add(0, "deny", "client", "0.0.0.0/0")                  // 7
                   .build();
    EXPECT_EQ(verdict(*set, 0, "2001:db8:ffff::1", ""), "deny 1");
    EXPECT_EQ(verdict(*set, 0, "2001:db8:1:9::1", ""), "allow 2");
    EXPECT_EQ(verdict(*set, 0, "2001:db8:1:2:3:ffff::1", ""), "deny 3");
    EXPECT_EQ(verdict(*set, 0, "2001:db8:1:2:4::1", ""), "allow 2");
    EXPECT_EQ(verdict(*set, 0, "2001:db8:1:2:3:4:5:6", ""), "allow 4");
    EXPECT_EQ(verdict(*set, 0, "2001:db8:1:2:3:4:5:7", ""), "deny 3");
    EXPECT_EQ(verdict(*set, 0, "2001:db9::1", ""), "allow 6");
    // IPv4 clients, plain or mapped, meet only IPv4 networks
    EXPECT_EQ(verdict(*set, 0, "192.0.2.9", ""), "deny 5");
    EXPECT_EQ(verdict(*set, 0, "::ffff:192.0.2.9", ""), "deny 5");
    EXPECT_EQ(verdict(*set, 0, "::ffff:198.51.100.1", ""), "deny 7");
    EXPECT_EQ(verdict(*set, 0, "198.51.100.1", ""), "deny 7");
    // ::c000:209 is not a mapped address
    EXPECT_EQ(verdict(*set, 0, "::192.0.2.9", ""), "allow 6");
}

TEST(ListSet, Passthrough) {
    auto set = Entries()
                   .add(1, "passthrough", "recipient", "abuse@example.com")     // 1
                   .add(0, "passthrough", "recipient", "postmaster@other.org")  // 2
                   .add(0, "allow", "sender", "abuse@example.com")              // 3
                   .build();
    auto m = set->passthrough(1, "abuse@example.com");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->id, 1);
    EXPECT_EQ(m->kind, "recipient");
    EXPECT_FALSE(set->passthrough(2, "abuse@example.com"));  // another domain's list
    EXPECT_FALSE(set->passthrough(0, "abuse@example.com"));
    ASSERT_TRUE(set->passthrough(2, "postmaster@other.org"));
    EXPECT_TRUE(set->passthrough(2, "postmaster@other.org")->global());
    EXPECT_FALSE(set->passthrough(1, "abuse2@example.com"));
    // a sender entry is no passthrough recipient, and a recipient no sender entry
    EXPECT_EQ(verdict(*set, 1, "203.0.113.1", "abuse@example.com"), "allow 3");
    EXPECT_EQ(verdict(*set, 1, "203.0.113.1", "postmaster@other.org"), "-");
}

TEST(ListSet, Exceptions) {
    auto set = Entries()
                   .add(0, "exception", "client", "192.0.2.0/24")        // 1
                   .add(0, "exception", "domain", "google.com", true)    // 2
                   .add(1, "exception", "domain", "partner.test", true)  // 3
                   .add(1, "exception", "client", "192.0.2.64/26")       // 4
                   .add(0, "deny", "client", "198.51.100.0/24")          // 5
                   .add(0, "deny", "sender_domain", "spam.test", true)   // 6
                   .add(0, "exception", "client", "2001:db8::/32")       // 7
                   .build();
    auto kind = [&](long long domain, const char* client, const char* name, const char* from) {
        auto m = set->exception(domain, ip(client), name, from);
        return m ? std::to_string(m->id) : "-";
    };
    EXPECT_EQ(kind(0, "192.0.2.1", "", ""), "1");
    EXPECT_EQ(kind(0, "::ffff:192.0.2.1", "", ""), "1");
    EXPECT_EQ(kind(1, "192.0.2.70", "", ""), "4");  // the domain's own first
    EXPECT_EQ(kind(2, "192.0.2.70", "", ""), "1");
    EXPECT_EQ(kind(0, "2001:db8::25", "", ""), "7");
    EXPECT_EQ(kind(0, "203.0.113.1", "mail-yw1.google.com", ""), "2");
    EXPECT_EQ(kind(0, "203.0.113.1", "google.com.", ""), "2");
    EXPECT_EQ(kind(0, "203.0.113.1", "notgoogle.com", ""), "-");
    EXPECT_EQ(kind(0, "203.0.113.1", "", "google.com"), "2");
    EXPECT_EQ(kind(0, "203.0.113.1", "", "GMAIL.google.com"), "2");
    EXPECT_EQ(kind(1, "203.0.113.1", "mx.partner.test", ""), "3");
    EXPECT_EQ(kind(2, "203.0.113.1", "mx.partner.test", ""), "-");
    // allow/deny entries are no exceptions, and exceptions no allow/deny entries
    EXPECT_EQ(kind(0, "198.51.100.1", "", "spam.test"), "-");
    EXPECT_EQ(verdict(*set, 0, "192.0.2.1", "a@google.com"), "-");
}

TEST(ListSet, ManyDomainsAndEntries) {
    Entries entries;
    for (long long d = 1; d <= 200; ++d) {
        for (int i = 0; i < 100; ++i) {
            auto sender = "user" + std::to_string(i) + "@d" + std::to_string(d) + ".test";
            entries.add(d, i % 2 ? "deny" : "allow", "sender", sender.c_str());
            auto net = "10." + std::to_string(d) + "." + std::to_string(i) + ".0/24";
            entries.add(d, "deny", "client", net.c_str());
        }
    }
    auto set = entries.build();
    EXPECT_EQ(set->size(), 40000u);
    auto m = set->senderList(57, ip("192.0.2.1"), "user3@d57.test");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->list, "deny");
    EXPECT_EQ(m->domain_id, 57);
    EXPECT_FALSE(set->senderList(58, ip("192.0.2.1"), "user3@d57.test"));
    m = set->senderList(58, ip("10.58.99.7"), "");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->value, "10.58.99.0/24");
    EXPECT_FALSE(set->senderList(58, ip("10.57.99.7"), ""));
}

// --- ListHits ---------------------------------------------------------------

TEST(ListHits, CountsAndDrains) {
    ListHits hits;
    EXPECT_TRUE(hits.drain().empty());
    hits.record(7, 100);
    hits.record(3, 50);
    hits.record(7, 90);
    hits.record(7, 120);
    using Row = std::tuple<long long, long long, long long>;
    EXPECT_EQ(hits.drain(), (std::vector<Row>{{3, 1, 50}, {7, 3, 120}}));
    EXPECT_TRUE(hits.drain().empty());
    hits.record(3, 10);
    EXPECT_EQ(hits.drain(), (std::vector<Row>{{3, 1, 10}}));
}

TEST(ListHits, ThreadSafe) {
    ListHits hits;
    long long total = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&hits, t] {
            for (int i = 0; i < 10000; ++i) hits.record(i % 10, t * 100000 + i);
        });
    std::thread drainer([&] {
        for (int i = 0; i < 100; ++i)
            for (const auto& [id, count, last] : hits.drain()) total += count;
    });
    for (auto& t : threads) t.join();
    drainer.join();
    for (const auto& [id, count, last] : hits.drain()) total += count;
    EXPECT_EQ(total, 80000);
}

}  // namespace
