// An allocator for large lookup tables probed at random (the classifier's
// token table and character scorer, tens of MB each): allocations of 2 MiB
// or more are aligned to 2 MiB and marked MADV_HUGEPAGE, so the kernel backs
// them with transparent huge pages where it can. Each probe of a table of
// 4 KiB pages is a TLB miss as well as a cache miss; with 2 MiB pages a
// 64 MB table needs 32 TLB entries. Where huge pages are unavailable (THP
// off, no contiguous memory) the advice is ignored and the memory is
// ordinary. Smaller allocations are plain operator new.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace moat::util {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

template <typename T>
struct HugePageAllocator {
    using value_type = T;

    HugePageAllocator() = default;
    template <typename U>
    HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHugePageBytes) return static_cast<T*>(::operator new(bytes));
        const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
        void* p = std::aligned_alloc(kHugePageBytes, rounded);
        if (!p) throw std::bad_alloc();
        ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
        return static_cast<T*>(p);
    }

    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < kHugePageBytes)
            ::operator delete(p);
        else
            std::free(p);
    }

    template <typename U>
    bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

}  // namespace moat::util
