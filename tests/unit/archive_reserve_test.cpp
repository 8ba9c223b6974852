// The archive's free-space reserve (issue 10: the archive filled a small disk
// and every new message got 452): keep() refuses while the file system's free
// space is under archive.min_free, and housekeeping removes the oldest
// entries that own their blocks until it is not. The disk is simulated by an
// injected probe: a fixed capacity minus what the archive directory holds.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "archive/archive_dir.h"
#include "archive/retention.h"
#include "policy/settings.h"
#include "queue/spool.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace moat;
using namespace Poco::Data::Keywords;
namespace fs = std::filesystem;

namespace {

// Named for this file's tests (temp_dir.h).
struct TempDir : test::TempDir {
    TempDir() : test::TempDir("moat-reserve") {}
};

// A disk of `capacity` bytes of which the spool and archive files below `root` use some.
archive::FreeSpaceProbe smallDisk(fs::path root, std::uint64_t capacity) {
    return [root, capacity](const std::string&) -> std::optional<std::uint64_t> {
        std::uint64_t used = 0;
        for (const auto& e : fs::recursive_directory_iterator(root))
            if (e.is_regular_file() && e.path().extension() != ".db" &&
                e.path().string().find(".db-") == std::string::npos)
                used += e.file_size() / e.hard_link_count();
        return used >= capacity ? 0 : capacity - used;
    };
}

std::string queued(queue::Spool& spool, std::size_t size) {
    std::string id = spool.newId();
    queue::Spool::Writer w(spool, id);
    EXPECT_TRUE(w.write("Subject: x\r\n\r\n" + std::string(size, 'x')));
    EXPECT_TRUE(w.commit());
    return id;
}

void index(Poco::Data::Session& s, const std::string& file, long long ts, std::uint64_t size) {
    Poco::Int64 t = ts, n = static_cast<Poco::Int64>(size);
    std::string f = file;
    s << "INSERT INTO archive (ts, file, size, client_ip, sender, recipients, outcome)"
         " VALUES (?, ?, ?, '192.0.2.1', 'a@example.org', 'b@ours.test', 'accepted')",
        use(t), use(f), use(n), now;
}

long long entries(Poco::Data::Session& s) {
    Poco::Int64 n = 0;
    s << "SELECT COUNT(*) FROM archive", into(n), now;
    return n;
}

}  // namespace

TEST(ArchiveReserve, TheDefaultIsTheSettingsDefault) {
    auto spec = policy::findSetting("archive.min_free");
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(std::stoull(std::string(spec->default_value)) << 20, archive::kDefaultMinFree);
    EXPECT_EQ(archive::RetentionLimits{}.min_free, archive::kDefaultMinFree);
}

TEST(ArchiveReserve, KeepRefusesUnderTheReserveAndResumesAbove) {
    TempDir tmp;
    queue::Spool spool((tmp.path / "spool").string());
    std::optional<std::uint64_t> free = 50 << 20;
    archive::ArchiveDir dir((tmp.path / "archive").string(),
                            [&](const std::string&) { return free; });
    dir.setReserve(100 << 20);
    std::uint64_t size = 0;
    std::string first = queued(spool, 10);
    EXPECT_FALSE(dir.keep(spool.path(first), first, size));
    EXPECT_FALSE(fs::exists(dir.path(first)));
    EXPECT_TRUE(fs::exists(spool.path(first)));  // the message itself is untouched
    EXPECT_TRUE(dir.underReserve());

    free = 200 << 20;
    EXPECT_FALSE(dir.underReserve());
    EXPECT_TRUE(dir.keep(spool.path(first), first, size));

    free = std::nullopt;  // unknown free space never stops the archive
    std::string second = queued(spool, 10);
    EXPECT_TRUE(dir.keep(spool.path(second), second, size));

    free = 1 << 20;
    dir.setReserve(0);  // archive.min_free 0: no reserve
    std::string third = queued(spool, 10);
    EXPECT_TRUE(dir.keep(spool.path(third), third, size));
}

TEST(ArchiveReserve, HousekeepingFreesTheOldestOwnBlocksUntilOverTheReserve) {
    TempDir tmp;
    auto store = store::Store::open("sqlite:" + (tmp.path / "moat.db").string());
    auto s = store->connect();
    queue::Spool spool((tmp.path / "spool").string());
    // 10 kB disk, 3 kB reserve; five archived 1.5 kB messages, the newest still queued.
    archive::ArchiveDir dir((tmp.path / "archive").string(), smallDisk(tmp.path, 10'000));
    dir.setReserve(0);
    const long long at = 10'000'000;
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        std::string id = queued(spool, 1500);
        std::uint64_t size = 0;
        ASSERT_TRUE(dir.keep(spool.path(id), id, size));
        index(s, id, at - 5000 + i, size);
        if (i < 4) spool.remove(id);  // delivered: the archive's name is the only one
        ids.push_back(id);
    }
    archive::RetentionLimits limits;
    limits.min_free = 3000;
    // Free: 10000 - 5 * ~1514 = ~2430, under 3000. Removing the oldest one frees enough.
    auto r = archive::enforceRetention(s, dir, at, limits);
    EXPECT_EQ(r.expired, 0u);
    EXPECT_EQ(r.evicted, 0u);
    EXPECT_EQ(r.for_space, 1u);
    EXPECT_FALSE(fs::exists(dir.path(ids[0])));
    EXPECT_TRUE(fs::exists(dir.path(ids[1])));
    EXPECT_EQ(entries(s), 4);
    EXPECT_FALSE(dir.underReserve());
    EXPECT_EQ(dir.reserve(), 3000u);  // housekeeping hands the reserve to keep()

    // A reserve no removal can meet: every delivered entry goes, the queued one stays
    // (removing its archive name would free nothing while the spool holds the file).
    limits.min_free = 20'000;
    r = archive::enforceRetention(s, dir, at, limits);
    EXPECT_EQ(r.for_space, 3u);
    EXPECT_EQ(entries(s), 1);
    EXPECT_TRUE(fs::exists(dir.path(ids[4])));
    std::uint64_t size = 0;
    std::string next = queued(spool, 10);
    EXPECT_FALSE(dir.keep(spool.path(next), next, size));  // and nothing new is kept
}
