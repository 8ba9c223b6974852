// The archive: header summaries for the log, hard links that share the spool
// file's inode, the committer's index and dashboard rows, retention and quota
// eviction (oldest first, row before file), orphan clean-up, and release
// requests carried out with a real store and spool.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "archive/archive_dir.h"
#include "content/header_summary.h"
#include "archive/release_executor.h"
#include "archive/retention.h"
#include "queue/committer.h"
#include "queue/spool.h"
#include "store/store.h"
#include "store/traffic_stats.h"
#include "temp_dir.h"

using namespace moat;
using namespace Poco::Data::Keywords;
namespace fs = std::filesystem;

namespace {
// Named for this file's tests (temp_dir.h).
struct TempDir : test::TempDir {
    TempDir() : test::TempDir("moat-archive") {}
};

long long count(Poco::Data::Session& s, const std::string& sql) {
    Poco::Int64 n = 0;
    s << sql, into(n), now;
    return n;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

ino_t inode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// An archive entry (row and file) of `size` bytes at ts.
Poco::Int64 addEntry(Poco::Data::Session& s, const archive::ArchiveDir& dir,
                     const std::string& file, long long ts, std::size_t size) {
    std::ofstream(dir.path(file), std::ios::binary) << std::string(size, 'x');
    Poco::Int64 t = ts, n = static_cast<Poco::Int64>(size);
    std::string f = file;
    s << "INSERT INTO archive (ts, file, size, client_ip, sender, recipients, outcome)"
         " VALUES (?, ?, ?, '192.0.2.1', 'a@example.org', 'b@ours.test', 'rejected')",
        use(t), use(f), use(n), now;
    Poco::Int64 id = 0;
    s << "SELECT last_insert_rowid()", into(id), now;
    s << "INSERT INTO archive_domains (domain, archive_id) VALUES ('ours.test', ?)", use(id), now;
    return id;
}
}  // namespace

TEST(HeaderSummary, DecodesUnfoldsAndCleans) {
    auto s = content::summarizeHeaders(
        "Received: from x\r\nSubject: =?UTF-8?B?SGVsbG8gd8O2cmxk?=\r\n =?iso-8859-1?Q?_J=F6rg?=\r\n"
        "From: \"Alice\" <alice@example.org>\r\nMessage-ID: <1@example.org>\r\nSubject: "
        "second\r\n\r\n"
        "Subject: in the body\r\n");
    EXPECT_EQ(s.subject, "Hello w\xc3\xb6rld J\xc3\xb6rg");
    EXPECT_EQ(s.from, "\"Alice\" <alice@example.org>");
    EXPECT_EQ(s.message_id, "<1@example.org>");
}

TEST(HeaderSummary, StopsAtTheBodyAndSurvivesJunk) {
    EXPECT_EQ(content::summarizeHeaders("X: y\r\n\r\nSubject: no\r\n").subject, "");
    auto s = content::summarizeHeaders(std::string("Subject: a\0b\x01\x7f<script>\xff\r\n", 25));
    EXPECT_EQ(s.subject, "a b <script>\xef\xbf\xbd");
    EXPECT_EQ(content::summarizeHeaders("Subject: =?bogus?Q?x").subject, "=?bogus?Q?x");
    EXPECT_EQ(content::summarizeHeaders("Subject: " + std::string(5000, 'z')).subject.size(),
              content::kMaxHeaderValue);
    EXPECT_EQ(
        content::summarizeHeaders("Subject: plain =?us-ascii?Q?a?= =?us-ascii?Q?b?= c").subject,
        "plain ab c");
}

TEST(ArchiveDir, KeepIsAHardLinkToTheSpoolFile) {
    TempDir tmp;
    queue::Spool spool((tmp.path / "spool").string());
    archive::ArchiveDir dir((tmp.path / "archive").string());
    std::string id = spool.newId();
    queue::Spool::Writer w(spool, id);
    ASSERT_TRUE(w.write("Subject: kept\r\n\r\nbody\r\n"));
    ASSERT_TRUE(w.commit());
    std::uint64_t size = 0;
    ASSERT_TRUE(dir.keep(spool.path(id), id, size));
    EXPECT_EQ(size, 23u);
    EXPECT_EQ(inode(spool.path(id)), inode(dir.path(id)));
    spool.remove(id);  // delivery done: the archive still has the message
    EXPECT_EQ(readFile(dir.path(id)), "Subject: kept\r\n\r\nbody\r\n");
    EXPECT_FALSE(dir.keep(spool.path("MISSING"), "MISSING", size));
    EXPECT_FALSE(dir.keep(dir.path(id), "../evil", size));
}

TEST(ArchiveDir, RefusedMessageIsKeptAfterTheWriterAborts) {
    TempDir tmp;
    queue::Spool spool((tmp.path / "spool").string());
    archive::ArchiveDir dir((tmp.path / "archive").string());
    std::string id = spool.newId();
    queue::Spool::Writer w(spool, id);
    ASSERT_TRUE(w.write("Subject: spam\r\n\r\nbuy\r\n"));
    ASSERT_TRUE(w.flush());
    std::uint64_t size = 0;
    ASSERT_TRUE(dir.keep(w.path(), id, size));
    w.abort();
    EXPECT_FALSE(fs::exists(spool.path(id)));
    EXPECT_EQ(readFile(dir.path(id)), "Subject: spam\r\n\r\nbuy\r\n");
}

TEST(ArchiveDir, OrphansWithoutARowAreRemoved) {
    TempDir tmp;
    auto store = store::Store::open("sqlite:" + (tmp.path / "moat.db").string());
    auto s = store->connect();
    archive::ArchiveDir dir((tmp.path / "archive").string());
    addEntry(s, dir, "KEPT", 1000, 10);
    std::ofstream(dir.path("ORPHAN")) << "x";
    EXPECT_EQ(dir.removeOrphans(archive::archivedFiles(s)), 1u);
    EXPECT_TRUE(fs::exists(dir.path("KEPT")));
    EXPECT_FALSE(fs::exists(dir.path("ORPHAN")));
}

TEST(ArchiveRetention, ExpiresOldEntriesThenEvictsOldestFirstToTheQuota) {
    TempDir tmp;
    auto store = store::Store::open("sqlite:" + (tmp.path / "moat.db").string());
    auto s = store->connect();
    archive::ArchiveDir dir((tmp.path / "archive").string());
    const long long at = 10'000'000;
    addEntry(s, dir, "EXPIRED", at - 20 * 86400, 100);
    auto oldest = addEntry(s, dir, "OLDEST", at - 3 * 86400, 400);
    addEntry(s, dir, "MIDDLE", at - 2 * 86400, 400);
    addEntry(s, dir, "NEWEST", at - 86400, 400);
    s << "INSERT INTO message_log (ts, client_ip, client_name, helo, tls, sender, recipients, "
         "size, queue_id, outcome,"
         " reason, archive_id) VALUES (1, '', '', '', '', '', '', 0, '', 'rejected', '', ?)",
        use(oldest), now;
    s << "UPDATE archive SET log_id = last_insert_rowid() WHERE id = ?", use(oldest), now;

    archive::RetentionLimits limits{14 * 86400, 900};
    auto r = archive::enforceRetention(s, dir, at, limits);
    EXPECT_EQ(r.expired, 1u);
    EXPECT_EQ(r.evicted, 1u);
    EXPECT_EQ(r.bytes, 800u);
    EXPECT_FALSE(fs::exists(dir.path("EXPIRED")));
    EXPECT_FALSE(fs::exists(dir.path("OLDEST")));
    EXPECT_TRUE(fs::exists(dir.path("MIDDLE")));
    EXPECT_TRUE(fs::exists(dir.path("NEWEST")));
    EXPECT_EQ(count(s, "SELECT COUNT(*) FROM archive"), 2);
    EXPECT_EQ(count(s, "SELECT COUNT(*) FROM archive_domains"), 2);
    EXPECT_EQ(count(s, "SELECT archive_id FROM message_log"), 0);  // the log no longer points at it
}

TEST(CommitterLog, WritesIndexDomainsAndAggregatesTogether) {
    TempDir tmp;
    auto store = store::Store::open("sqlite:" + (tmp.path / "moat.db").string());
    queue::Spool spool((tmp.path / "spool").string());
    {
        queue::Committer committer(*store, spool);
        queue::TransactionLog l;
        l.ts = 7200 * 100 + 5;
        l.client_ip = "192.0.2.7";
        l.sender = "a@example.org";
        l.recipients = "b@ours.test";
        l.outcome = "rejected";
        l.category = "rejected";
        l.refused_by = "content";
        l.subject = "Hi";
        l.refused_recipients = "x@other.test";
        l.domains = {"other.test", "ours.test"};
        l.archive = queue::ArchivedMessage{"ABC", 42, "rejected"};
        committer.log(l);
        l.archive.reset();
        l.refused_by.clear();
        l.category = "accepted";
        committer.log(l);
        committer.connection(
            {l.ts, "192.0.2.7", "mx.example.org", queue::ConnectionRecord::Kind::unwanted});
        committer.connection({l.ts + 9, "192.0.2.7", "", queue::ConnectionRecord::Kind::wanted});
        committer.sync();
    }
    auto s = store->connect();
    EXPECT_EQ(count(s, "SELECT COUNT(*) FROM message_log"), 2);
    EXPECT_EQ(count(s, "SELECT COUNT(*) FROM message_log_domains"), 4);
    EXPECT_EQ(
        count(s,
              "SELECT COUNT(*) FROM archive WHERE file = 'ABC' AND size = 42 AND subject = 'Hi'"
              " AND log_id = (SELECT MIN(id) FROM message_log)"),
        1);
    EXPECT_EQ(count(s, "SELECT archive_id FROM message_log ORDER BY id LIMIT 1"),
              count(s, "SELECT id FROM archive"));
    EXPECT_EQ(count(s, "SELECT COUNT(*) FROM archive_domains"), 2);
    EXPECT_EQ(count(s, "SELECT n FROM traffic_hourly WHERE hour = 200 AND category = 'rejected'"),
              1);
    EXPECT_EQ(count(s, "SELECT n FROM traffic_hourly WHERE hour = 200 AND category = 'accepted'"),
              1);
    EXPECT_EQ(count(s, "SELECT n FROM refusals_hourly WHERE hour = 200 AND check_name = 'content'"),
              1);
    EXPECT_EQ(
        count(s,
              "SELECT COUNT(*) FROM mta_stats WHERE ip = '192.0.2.7' AND name = 'mx.example.org'"
              " AND connections = 2 AND wanted = 1 AND unwanted = 1 AND last_seen = 720014"),
        1);
    EXPECT_EQ(store::purgeTrafficStats(s, 720014 + 40 * 86400), 4u);
}

TEST(ReleaseExecutor, RequeuesTheArchivedMessageWithAHeaderAndAudits) {
    TempDir tmp;
    auto store = store::Store::open("sqlite:" + (tmp.path / "moat.db").string());
    queue::Spool spool((tmp.path / "spool").string());
    archive::ArchiveDir dir((tmp.path / "archive").string());
    auto s = store->connect();
    auto id = addEntry(s, dir, "MSG", store::nowSeconds(), 0);
    std::ofstream(dir.path("MSG"), std::ios::binary)
        << "Received: by us\r\nSubject: s\r\n\r\nbody\r\n";
    s << "UPDATE archive SET recipients = 'b@ours.test,c@ours.test' WHERE id = ?", use(id), now;
    auto missing = addEntry(s, dir, "GONE", store::nowSeconds(), 0);
    fs::remove(dir.path("GONE"));
    // The request's recipients (fixed by the requester's scope), not the entry's, are delivered to.
    s << "INSERT INTO release_requests (archive_id, requested_by, requested, recipients) VALUES (?, "
         "'ann\r\nX-Evil: 1', 1, 'c@ours.test')",
        use(id), now;
    s << "INSERT INTO release_requests (archive_id, requested_by, requested, recipients) VALUES (?, "
         "'bob', 1, 'x@ours.test')",
        use(missing), now;
    s << "INSERT INTO release_requests (archive_id, requested_by, requested, recipients) VALUES "
         "(999, 'bob', 1, 'x@ours.test')",
        now;

    std::vector<mail::Envelope> queued;
    queue::Committer committer(*store, spool);
    archive::ReleaseExecutor executor(*store, spool, dir, [&](const mail::Envelope& env) {
        queued.push_back(env);
        return committer.enqueue(queued.back());
    });
    EXPECT_EQ(executor.runOnce(), 3u);
    EXPECT_EQ(executor.runOnce(), 0u);

    ASSERT_EQ(queued.size(), 1u);
    EXPECT_EQ(queued[0].sender, "a@example.org");
    EXPECT_EQ(queued[0].recipients, (std::vector<std::string>{"c@ours.test"}));
    std::string copy = readFile(spool.path(queued[0].id));
    EXPECT_EQ(copy.rfind("X-Moat-Released: by ann??X-Evil:?1 on ", 0), 0u) << copy;
    EXPECT_NE(copy.find("(archive id " + std::to_string(id) + ")\r\nReceived: by us\r\n"),
              std::string::npos);
    EXPECT_EQ(count(s, "SELECT COUNT(*) FROM queue WHERE id = '" + queued[0].id + "'"), 1);

    std::string status, queue_id, detail;
    s << "SELECT status, queue_id FROM release_requests WHERE archive_id = ?", use(id),
        into(status), into(queue_id), now;
    EXPECT_EQ(status, "done");
    EXPECT_EQ(queue_id, queued[0].id);
    s << "SELECT status, detail FROM release_requests WHERE archive_id = ?", use(missing),
        into(status), into(detail), now;
    EXPECT_EQ(status, "failed");
    EXPECT_NE(detail.find("missing"), std::string::npos) << detail;
    EXPECT_EQ(
        count(s,
              "SELECT COUNT(*) FROM release_requests WHERE archive_id = 999 AND status = 'failed'"),
        1);
    EXPECT_EQ(count(s, "SELECT released FROM archive WHERE file = 'MSG'"), 1);
    EXPECT_EQ(count(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'release'"), 3);
}
