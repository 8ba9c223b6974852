// The valid-address lists in the store (add, paste with replace, remove,
// list, count; canonical form; the generation trigger) and the callout cache
// table, each against a fresh SQLite store in a temporary directory.
#include "store/valid_addresses.h"

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/callout_cache.h"
#include "store/domains.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace Poco::Data::Keywords;
namespace store = moat::store;

namespace {

class ValidAddresses : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::Store::open("sqlite:" + (dir_.path / "moat.db").string());
        session_ = std::make_unique<Poco::Data::Session>(store_->connect());
        ours_ = store::addDomain(session(), "Ours.Test", "127.0.0.1", 2525).id;
        other_ = store::addDomain(session(), "other.test", "127.0.0.1", 2526).id;
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

    moat::test::TempDir dir_{"moat-valid"};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<Poco::Data::Session> session_;
    long long ours_ = 0, other_ = 0;
};

TEST(CanonicalMailbox, Table) {
    struct Case {
        const char* in;
        const char* out;  // nullptr: refused
    };
    const Case cases[] = {
        {"jane@example.com", "jane@example.com"},
        {"Jane.Doe@Example.COM", "jane.doe@example.com"},
        {"\"Jane Doe\"@example.com", "\"jane doe\"@example.com"},
        {"j\xC3\xA9r\xC3\xB4me@example.com", "j\xC3\xA9r\xC3\xB4me@example.com"},
        {"jane", nullptr},
        {"jane@", nullptr},
        {"@example.com", nullptr},
        {"jane@example..com", nullptr},
        {"jane@[192.0.2.1]", nullptr},
        {"a%b@example.com", nullptr},
        {"a!b@example.com", nullptr},
        {"@a.example:jane@example.com", nullptr},
        {"jane@example.com SIZE=1", nullptr},
        {"<jane@example.com>", nullptr},
    };
    for (const auto& c : cases) {
        std::string why;
        auto r = store::canonicalMailbox(c.in, why);
        if (c.out) {
            ASSERT_TRUE(r.has_value()) << c.in << ": " << why;
            EXPECT_EQ(*r, c.out);
        } else {
            EXPECT_FALSE(r.has_value()) << c.in << " -> " << r.value_or("");
            EXPECT_FALSE(why.empty()) << c.in;
        }
    }
}

TEST_F(ValidAddresses, AddRemoveListCount) {
    long long g = generation();
    EXPECT_TRUE(store::addValidAddress(session(), ours_, "Jane@Ours.Test"));
    EXPECT_GT(generation(), g);
    EXPECT_FALSE(store::addValidAddress(session(), ours_, "jane@ours.test"));
    EXPECT_TRUE(store::addValidAddress(session(), ours_, "bob@ours.test"));
    EXPECT_THROW(store::addValidAddress(session(), ours_, "jane@other.test"),
                 std::invalid_argument);
    EXPECT_THROW(store::addValidAddress(session(), ours_, "not an address"), std::invalid_argument);
    EXPECT_THROW(store::addValidAddress(session(), 999, "jane@ours.test"), std::invalid_argument);
    EXPECT_EQ(store::listValidAddresses(session(), ours_),
              (std::vector<std::string>{"bob@ours.test", "jane@ours.test"}));
    EXPECT_EQ(store::countValidAddresses(session(), ours_), 2u);
    EXPECT_EQ(store::countValidAddresses(session(), other_), 0u);

    g = generation();
    EXPECT_TRUE(store::removeValidAddress(session(), ours_, "JANE@ours.test"));
    EXPECT_GT(generation(), g);
    EXPECT_FALSE(store::removeValidAddress(session(), ours_, "jane@ours.test"));
    EXPECT_EQ(store::allValidAddresses(session()), (std::vector<std::string>{"bob@ours.test"}));
}

TEST_F(ValidAddresses, PasteReportsEachRefusedAddressAndReplaces) {
    store::addValidAddress(session(), ours_, "old@ours.test");
    store::addValidAddress(session(), ours_, "kept@ours.test");
    auto r = store::pasteValidAddresses(
        session(), ours_,
        {"a@ours.test", "kept@ours.test", "a@ours.test", "x@other.test", "B@ours.test", "junk"},
        false);
    EXPECT_EQ(r.added, 1u);
    EXPECT_EQ(r.present, 2u);
    EXPECT_EQ(r.removed, 0u);
    ASSERT_EQ(r.errors.size(), 3u);
    EXPECT_EQ(r.errors[0].first, 3u);
    EXPECT_NE(r.errors[0].second.find("not an address of ours.test"), std::string::npos);
    EXPECT_EQ(r.errors[1].first, 4u);
    EXPECT_NE(r.errors[1].second.find("canonical"), std::string::npos);
    EXPECT_EQ(r.errors[2].first, 5u);
    EXPECT_EQ(store::countValidAddresses(session(), ours_), 3u);

    r = store::pasteValidAddresses(session(), ours_, {"kept@ours.test", "new@ours.test"}, true);
    EXPECT_EQ(r.added, 1u);
    EXPECT_EQ(r.present, 1u);
    EXPECT_EQ(r.removed, 2u);
    EXPECT_EQ(store::listValidAddresses(session(), ours_),
              (std::vector<std::string>{"kept@ours.test", "new@ours.test"}));
}

TEST_F(ValidAddresses, RemovingTheDomainRemovesItsList) {
    store::addValidAddress(session(), ours_, "a@ours.test");
    store::addValidAddress(session(), other_, "a@other.test");
    ASSERT_TRUE(store::removeDomain(session(), "ours.test"));
    EXPECT_EQ(store::allValidAddresses(session()), (std::vector<std::string>{"a@other.test"}));
}

TEST_F(ValidAddresses, CalloutCacheSaveFindFlushExpire) {
    store::saveCalloutEntry(session(), {"a@ours.test", true, "250 2.1.5 Ok", 100, 200});
    store::saveCalloutEntry(session(), {"b@ours.test", false, "550 5.1.1 no", 100, 300});
    auto a = store::findCalloutEntry(session(), "a@ours.test");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->valid);
    EXPECT_EQ(a->reply, "250 2.1.5 Ok");
    EXPECT_EQ(a->expires, 200);
    store::saveCalloutEntry(session(), {"a@ours.test", false, "550 gone", 150, 400});
    EXPECT_FALSE(store::findCalloutEntry(session(), "a@ours.test")->valid);
    EXPECT_FALSE(store::findCalloutEntry(session(), "c@ours.test"));

    EXPECT_EQ(store::expireCalloutEntries(session(), 350), 1u);  // b expired at 300
    long long g = generation();
    EXPECT_EQ(store::flushCalloutEntries(session(), "a@ours.test"), 1u);
    EXPECT_GT(generation(), g);
    store::saveCalloutEntry(session(), {"c@ours.test", true, "250", 1, 2});
    store::saveCalloutEntry(session(), {"d@ours.test", true, "250", 1, 2});
    EXPECT_EQ(store::flushCalloutEntries(session()), 2u);
}

}  // namespace
