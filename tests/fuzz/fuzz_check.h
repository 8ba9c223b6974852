// The fuzz targets' invariant check: a property that does not hold aborts,
// which libFuzzer reports as a crash with the input that broke it. Not
// assert(): it must hold in every build type, NDEBUG or not.
#pragma once

#include <cstdlib>

namespace moat::fuzz {

inline void check(bool condition) {
    if (!condition) std::abort();
}

}  // namespace moat::fuzz
