// Which sanitizers this translation unit is built with (GCC's __SANITIZE_*
// macros, clang's __has_feature), for the few places whose behaviour must
// differ under them: the scan worker's seccomp filter (the runtime makes
// calls a worker never does) and tests of failing allocations (ASan's
// allocator aborts where glibc's returns null).
#pragma once

namespace moat::util {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

#if defined(__SANITIZE_UNDEFINED__)
inline constexpr bool kUndefinedSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(undefined_behavior_sanitizer)
inline constexpr bool kUndefinedSanitizer = true;
#else
inline constexpr bool kUndefinedSanitizer = false;
#endif
#else
inline constexpr bool kUndefinedSanitizer = false;
#endif

inline constexpr bool kSanitizerBuild = kAddressSanitizer || kUndefinedSanitizer;

}  // namespace moat::util
