// Spool files and group commit: a committed envelope is in the store, a
// completed one leaves neither rows nor file, an aborted writer leaves no file.
#include "queue/committer.h"
#include "queue/spool.h"
#include "store/store.h"
#include "temp_dir.h"

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

using namespace moat;
using namespace Poco::Data::Keywords;
namespace fs = std::filesystem;

namespace {
// Named for this file's tests (temp_dir.h).
struct TempDir : test::TempDir {
    TempDir() : test::TempDir("moat-spool") {}
};

int count(Poco::Data::Session& s, const std::string& sql) {
    int n = 0;
    s << sql, into(n), now;
    return n;
}
}  // namespace

TEST(Spool, IdsAreUniqueAndSortable) {
    TempDir dir;
    queue::Spool spool(dir.path.string());
    std::string prev;
    for (int i = 0; i < 1000; ++i) {
        auto id = spool.newId();
        EXPECT_EQ(id.size(), 16u);
        EXPECT_GT(id, prev);
        prev = id;
    }
}

TEST(Spool, AbortedWriterLeavesNoFile) {
    TempDir dir;
    queue::Spool spool(dir.path.string());
    std::string id = spool.newId();
    {
        queue::Spool::Writer w(spool, id);
        EXPECT_TRUE(w.write("Subject: x\r\n\r\nbody\r\n"));
    }
    EXPECT_FALSE(fs::exists(spool.path(id)));
}

TEST(Spool, ReplacePrefixKeepsTheTailAndReadsBack) {
    TempDir dir;
    queue::Spool spool(dir.path.string());
    std::string id = spool.newId();
    queue::Spool::Writer w(spool, id);
    std::string body(300 * 1024, 'b');  // bigger than one copy piece
    ASSERT_TRUE(w.write("Received: x\r\nSubject: old\r\n\r\n"));
    ASSERT_TRUE(w.write(body));
    EXPECT_EQ(w.read(13, 14), "Subject: old\r\n");
    ASSERT_TRUE(w.replacePrefix("Received: x\r\nX-Score: 1\r\nSubject: [SPAM] old\r\n\r\n", 29));
    EXPECT_EQ(w.size(), 48 + body.size());
    ASSERT_TRUE(w.write("tail"));
    ASSERT_TRUE(w.commit());
    std::ifstream in(spool.path(id), std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(all, "Received: x\r\nX-Score: 1\r\nSubject: [SPAM] old\r\n\r\n" + body + "tail");
    EXPECT_FALSE(fs::exists(spool.path(id) + ".new"));
}

TEST(Committer, GroupCommitFromManyThreadsThenComplete) {
    TempDir dir;
    auto store = store::Store::open("sqlite:" + (dir.path / "moat.db").string());
    queue::Spool spool((dir.path / "spool").string());
    queue::Committer committer(*store, spool);

    std::vector<std::string> ids(40);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        threads.emplace_back([&, i] {
            mail::Envelope env;
            env.id = ids[i] = spool.newId();
            env.sender = "a@example.test";
            env.recipients = {"b@example.test", "c@example.test", "b@example.test"};
            env.created = store::nowSeconds();
            queue::Spool::Writer w(spool, env.id);
            ASSERT_TRUE(w.write("Subject: t\r\n\r\nx\r\n"));
            env.size = w.size();
            ASSERT_TRUE(w.commit());
            EXPECT_TRUE(committer.enqueue(env));
        });
    }
    for (auto& t : threads) t.join();

    auto session = store->connect();
    EXPECT_EQ(count(session, "SELECT COUNT(*) FROM queue"), 40);
    EXPECT_EQ(count(session, "SELECT COUNT(*) FROM queue_rcpt"), 80);  // duplicate recipient stored once

    for (const auto& id : ids) committer.complete(id);
    committer.defer("nonexistent", 0, 1, {});
    committer.sync();
    EXPECT_EQ(count(session, "SELECT COUNT(*) FROM queue"), 0);
    EXPECT_EQ(count(session, "SELECT COUNT(*) FROM queue_rcpt"), 0);
    for (const auto& id : ids) EXPECT_FALSE(fs::exists(spool.path(id)));
}

TEST(Spool, OrphansAreRemoved) {
    TempDir dir;
    queue::Spool spool(dir.path.string());
    std::string keep = spool.newId(), drop = spool.newId();
    for (const auto& id : {keep, drop}) {
        queue::Spool::Writer w(spool, id);
        w.write("x");
        w.commit();
    }
    EXPECT_EQ(spool.removeOrphans({keep}), 1u);
    EXPECT_TRUE(fs::exists(spool.path(keep)));
    EXPECT_FALSE(fs::exists(spool.path(drop)));
}
