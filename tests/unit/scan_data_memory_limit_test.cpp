// The scan worker's memory bound (scan/data_memory_limit.h): reading VmData,
// and — in a forked child, as a worker sets it — that an allocation past the
// bound fails and that a 7z whose header declares fifty million folders (a
// fuzzer's find: 174 bytes that make libarchive allocate and touch 5 GB) is
// then only an unreadable archive, read in milliseconds.
#include "scan/data_memory_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Base64Decoder.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "scan/attachment_policy.h"
#include "util/sanitizer_build.h"

using namespace moat::scan;

namespace {

// A sanitizer's allocator ends the process on a failed allocation instead of
// returning null (moat-scand sets allocator_may_return_null; this binary does
// not), so the children below run only in builds without one.
constexpr bool kSanitized = moat::util::kAddressSanitizer;

// The fuzzer's input (tests/fuzz/corpus/fuzz_encrypted_archive/folder-count-bomb.7z).
constexpr const char* kFolderCountBomb =
    "N3q8ryccAAQ3LMWGgAAAAAAAAAAuAAAAAAAAAMBmPP7qFFUmLjAFgPvFKWb7g85pzpef/Cyoa48kqcNQqDnldrTZYHHR"
    "To2Ee537SzxqCvY/PSoV4xBKwy2MtxZ6uXmA+Fcn3IsNgZvs4o20H+CyhV/PXZyTxXiQRAQc72ytybWDeiudLiG1dB9E"
    "8d8ce2xiS/3Ml2qs0R6LrL7Jw9qSKBcGEAEJcAAHC+N/KgAA";

std::string decodeBase64(const std::string& text) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    return std::string(std::istreambuf_iterator<char>(decoder), {});
}

// Runs body in a forked child and returns its exit status (-1: killed).
template <typename Body>
int inChild(Body body) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(DataMemoryLimit, ReadsVmDataInBytes) {
    EXPECT_EQ(parseVmData("Name:\tx\nVmPeak:\t  9 kB\nVmData:\t  123456 kB\nVmStk:\t 132 kB\n"),
              123456ull * 1024);
    EXPECT_EQ(parseVmData("VmData: 0 kB"), 0u);
    EXPECT_FALSE(parseVmData("VmStk:\t 132 kB\n"));
    EXPECT_FALSE(parseVmData("VmData:\t kB\n"));
    EXPECT_FALSE(parseVmData("VmData:\t 12 MB\n"));
    EXPECT_FALSE(parseVmData("VmData:\t 99999999999999999999 kB\n"));
    EXPECT_FALSE(parseVmData("XVmData:\t 12 kB\n"));
    EXPECT_FALSE(parseVmData(""));
}

TEST(DataMemoryLimit, SetsSoftAndHardLimitAboveWhatIsHeld) {
    EXPECT_EQ(inChild([] {
                  std::string problem;
                  if (!limitDataMemory(64u << 20, problem)) return 1;
                  rlimit lim{};
                  ::getrlimit(RLIMIT_DATA, &lim);
                  if (lim.rlim_cur != lim.rlim_max || lim.rlim_cur == RLIM_INFINITY) return 2;
                  // Raising the hard limit again needs privilege a worker lacks;
                  // a lower one than asked is kept, not raised.
                  rlimit lower{lim.rlim_cur - (1u << 20), lim.rlim_cur - (1u << 20)};
                  ::setrlimit(RLIMIT_DATA, &lower);
                  if (!limitDataMemory(1ull << 40, problem)) return 3;
                  ::getrlimit(RLIMIT_DATA, &lim);
                  return lim.rlim_max == lower.rlim_max ? 0 : 4;
              }),
              0);
}

TEST(DataMemoryLimit, AnAllocationPastTheBoundFails) {
    if (kSanitized) GTEST_SKIP() << "the sanitizer's allocator aborts instead of returning null";
    EXPECT_EQ(inChild([] {
                  std::string problem;
                  if (!limitDataMemory(64u << 20, problem)) return 1;
                  void* small = std::malloc(16u << 20);
                  void* big = std::malloc(256u << 20);
                  bool ok = small != nullptr && big == nullptr;
                  std::free(small);
                  std::free(big);
                  return ok ? 0 : 2;
              }),
              0);
}

TEST(DataMemoryLimit, AFolderCountBombIsOnlyAnUnreadableArchive) {
    if (kSanitized) GTEST_SKIP() << "the sanitizer's allocator aborts instead of returning null";
    moat::content::Attachment a;
    a.filename = "bomb.7z";
    a.data = decodeBase64(kFolderCountBomb);
    a.size = a.data.size();
    ASSERT_EQ(a.data.size(), 174u);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(inChild([&] {
                  std::string problem;
                  if (!limitDataMemory(256u << 20, problem)) return 1;
                  AttachmentRules rules;
                  rules.block_encrypted = true;
                  Unlock unlock{{"secret"}, std::chrono::steady_clock::now() + std::chrono::seconds(5), {}};
                  auto report = checkAttachment(a, rules, unlock);
                  if (report.refusal || !report.encrypted.empty()) return 2;
                  rusage usage{};
                  ::getrusage(RUSAGE_SELF, &usage);
                  return usage.ru_maxrss < (512 << 10) ? 0 : 3;  // KiB: far below the 5 GB asked
              }),
              0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}
