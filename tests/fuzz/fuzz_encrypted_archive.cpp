// Fuzzes the attachment policy's archive walk with passwords to try: whatever
// the bytes (zip, encrypted or not, or anything else), the walk returns (no
// crash, no hang), refuses only as virus or blocked, and reports each
// encrypted archive it met.
//
// As in a scan worker ([scan] worker_memory), what the walk may allocate is
// bounded: an archive whose header declares millions of entries (libarchive
// then allocates gigabytes) must fail to open, not exhaust memory. So the
// target sets the same kind of limit, lets a failed allocation return null
// as glibc's does, and raises libFuzzer's own limit on one allocation (by
// default its RSS limit) past that bound, so that the bound decides.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scan/attachment_policy.h"
#include "scan/data_memory_limit.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    std::string problem;
    if (!moat::scan::limitDataMemory(512u << 20, problem)) {
        std::fprintf(stderr, "fuzz_encrypted_archive: %s\n", problem.c_str());
        std::abort();
    }
    static std::vector<char*> args(*argv, *argv + *argc);
    static char malloc_limit[] = "-malloc_limit_mb=1048576";
    args.push_back(malloc_limit);
    args.push_back(nullptr);
    *argc += 1;
    *argv = args.data();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace moat::scan;
    moat::content::Attachment a;
    a.filename = "fuzz.zip";
    a.data.assign(reinterpret_cast<const char*>(data), size);
    a.size = size;
    AttachmentRules rules;
    rules.extensions = {"exe"};
    rules.types = {"exe"};
    rules.block_encrypted = size % 2 == 0;
    rules.max_depth = 3;
    rules.max_entries = 50;
    rules.max_entry_bytes = 256 << 10;
    rules.max_total_bytes = 1 << 20;
    Unlock unlock{{"secret", "password", "infected"},
                  std::chrono::steady_clock::now() + std::chrono::milliseconds(200),
                  [](std::string_view bytes) -> std::optional<std::string> {
                      if (bytes == "VIRUS") return "Fuzz.Virus";
                      return std::nullopt;
                  }};
    auto report = checkAttachment(a, rules, unlock);
    if (report.refusal)
        check(report.refusal->kind == ScanResult::Kind::virus ||
              report.refusal->kind == ScanResult::Kind::blocked);
    check(report.summary().empty() == (report.encrypted.empty() && report.unreadable.empty()));
    return 0;
}
