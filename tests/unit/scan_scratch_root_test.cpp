// The scan host's directory for libclamav's temporary files: private and
// locked while its host lives, worker directories removed with their content
// but never through a link, stale roots (unlocked) removed and live ones
// (locked) kept, whatever else lies in the base directory left alone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "scan/scratch_root.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using moat::scan::createWorkerScratchDir;
using moat::scan::removeStaleScratchRoots;
using moat::scan::ScratchRoot;

namespace {

class ScratchRootTest : public ::testing::Test {
  protected:
    static void fill(const fs::path& dir) {
        fs::create_directories(dir / "20261205_073857-scantemp.37d74267bb" / "mail-tmp.0f7a34844f");
        std::ofstream(dir / "20261205_073857-scantemp.37d74267bb" / "mail-tmp.0f7a34844f" / "x")
            << "extracted";
    }

    // Another process's view: can the root's lock be taken now?
    static bool lockable(const fs::path& dir) {
        int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return false;
        bool ok = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
        ::close(fd);
        return ok;
    }

    moat::test::TempDir base_{"moat-scratch-root"};
};

TEST_F(ScratchRootTest, PrivateLockedAndRemovedAtTheEnd) {
    std::string problem;
    auto root = ScratchRoot::create(base_.path.string(), problem);
    ASSERT_TRUE(root) << problem;
    fs::path path = root->path();
    EXPECT_EQ(path, base_.path / ("moat-scan." + std::to_string(::getpid())));
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_FALSE(lockable(path));
    EXPECT_EQ(removeStaleScratchRoots(base_.path.string(), problem), 0);
    EXPECT_TRUE(fs::exists(path));

    ASSERT_TRUE(createWorkerScratchDir(root->workerDir(4242), problem)) << problem;
    fill(root->workerDir(4242));
    root.reset();
    EXPECT_FALSE(fs::exists(path));
}

TEST_F(ScratchRootTest, WorkerDirRemovedWithItsContentNeverThroughALink) {
    std::string problem;
    auto root = ScratchRoot::create(base_.path.string(), problem);
    ASSERT_TRUE(root) << problem;
    fs::path outside = base_.path / "outside";
    fs::create_directory(outside);
    std::ofstream(outside / "keep") << "not the worker's";

    fs::path dir = root->workerDir(4242);
    EXPECT_EQ(dir, fs::path(root->path()) / "4242");
    ASSERT_TRUE(createWorkerScratchDir(dir, problem)) << problem;
    EXPECT_TRUE(createWorkerScratchDir(dir, problem)) << "an existing directory will do";
    fill(dir);
    fs::create_directory_symlink(outside, dir / "link");
    fs::create_directory_symlink(outside, fs::path(root->path()) / "4343");

    EXPECT_TRUE(root->removeWorkerDir(4242, problem)) << problem;
    EXPECT_FALSE(fs::exists(dir));
    EXPECT_TRUE(fs::exists(outside / "keep"));
    EXPECT_TRUE(root->removeWorkerDir(4242, problem)) << "already gone";
    // A link where a worker's directory should be is not used, and removing it keeps its target.
    EXPECT_FALSE(createWorkerScratchDir(root->workerDir(4343), problem));
    EXPECT_FALSE(problem.empty());
    EXPECT_TRUE(root->removeWorkerDir(4343, problem));
    EXPECT_TRUE(fs::exists(outside / "keep"));
    root.reset();
    EXPECT_TRUE(fs::exists(outside / "keep"));
}

TEST_F(ScratchRootTest, StaleRootsRemovedLiveOnesAndOthersKept) {
    fs::path stale = base_.path / "moat-scan.999999", live = base_.path / "moat-scan.888888";
    fill(stale);
    fill(live);
    int held = ::open(live.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
    fs::path outside = base_.path / "outside";
    fill(outside);
    fs::create_directory_symlink(outside, base_.path / "moat-scan.777");
    for (const char* other : {"moat-scan.x", "moat-scan.", "moat-scan.12.tmp", "other.1"})
        fill(base_.path / other);

    std::string problem;
    EXPECT_EQ(removeStaleScratchRoots(base_.path.string(), problem), 1);
    EXPECT_EQ(problem, "");
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(fs::exists(live / "20261205_073857-scantemp.37d74267bb"));
    EXPECT_TRUE(fs::is_symlink(base_.path / "moat-scan.777"));
    EXPECT_TRUE(fs::exists(outside / "20261205_073857-scantemp.37d74267bb"));
    for (const char* other : {"moat-scan.x", "moat-scan.", "moat-scan.12.tmp", "other.1"})
        EXPECT_TRUE(fs::exists(base_.path / other)) << other;

    ::close(held);  // its host died
    EXPECT_EQ(removeStaleScratchRoots(base_.path.string(), problem), 1);
    EXPECT_FALSE(fs::exists(live));
}

TEST_F(ScratchRootTest, StaleRootWithOurPidIsReplaced) {
    fs::path old = base_.path / ("moat-scan." + std::to_string(::getpid()));
    fill(old);
    std::string problem;
    auto root = ScratchRoot::create(base_.path.string(), problem);
    ASSERT_TRUE(root) << problem;
    EXPECT_EQ(fs::path(root->path()), old);
    EXPECT_TRUE(fs::is_empty(old));
}

TEST_F(ScratchRootTest, NoRootWhereNoneCanBeMade) {
    std::string problem;
    EXPECT_FALSE(ScratchRoot::create((base_.path / "missing").string(), problem));
    EXPECT_NE(problem.find("cannot create"), std::string::npos) << problem;
}

TEST(ScratchBase, TmpdirWhenAbsolute) {
    const char* saved = std::getenv("TMPDIR");
    std::string keep = saved ? saved : "";
    ::setenv("TMPDIR", "/var/tmp/x", 1);
    EXPECT_EQ(moat::scan::scratchBase(), "/var/tmp/x");
    ::setenv("TMPDIR", "relative", 1);
    EXPECT_EQ(moat::scan::scratchBase(), "/tmp");
    ::unsetenv("TMPDIR");
    EXPECT_EQ(moat::scan::scratchBase(), "/tmp");
    if (saved) ::setenv("TMPDIR", keep.c_str(), 1);
}

}  // namespace
