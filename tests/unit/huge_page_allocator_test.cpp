// util/huge_page_allocator.h: large tables start on a 2 MiB boundary (so the
// kernel can back them with huge pages), small ones are ordinary, and both
// hold and free their elements like any vector's storage.
#include "util/huge_page_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

using moat::util::HugePageAllocator;
using moat::util::kHugePageBytes;

TEST(HugePageAllocator, LargeTablesAreAlignedSmallOnesOrdinary) {
    std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> large(3 * kHugePageBytes / 8 + 5, 7);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data()) % kHugePageBytes, 0u);
    EXPECT_EQ(large.back(), 7u);
    large.assign(large.size() * 2, 9);  // grows into a new block, the old one freed
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(large.data()) % kHugePageBytes, 0u);
    EXPECT_EQ(large[large.size() / 2], 9u);
    std::vector<int, HugePageAllocator<int>> small(100, 3);
    EXPECT_EQ(small[99], 3);
    auto moved = std::move(large);
    EXPECT_EQ(moved.front(), 9u);
}
