// Bounds how much more memory a process may take for its data, with
// RLIMIT_DATA: `headroom` bytes above what it holds at the call. A scan
// worker sets it before its first message ([scan] worker_memory), so that an
// attachment built to exhaust memory — a 7z of 174 bytes whose compressed
// header declares fifty million folders makes libarchive allocate 5 GB and
// touch it all — makes an allocation fail inside that one scan (libarchive
// then reports the archive as unreadable; libclamav returns CL_EMEM, a
// scan error) instead of growing the worker until the unit's MemoryMax
// OOM-kills it, or a neighbour.
//
// Linux (4.7 and later) counts every private writable mapping against the
// limit — the heap, anonymous mmap, and the copy-on-write engine a worker
// inherits from its host — so the limit is measured from the process's own
// VmData rather than fixed: the inherited engine is in the starting figure,
// and only what the worker allocates on top of it is bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moat::scan {

// The "VmData:" figure of a /proc/<pid>/status text, in bytes.
std::optional<std::uint64_t> parseVmData(std::string_view status);

// Sets this process's RLIMIT_DATA (soft and hard) to its current VmData plus
// headroom, or to the hard limit it already has when that is lower. False,
// with `problem` set, when /proc/self/status cannot be read or setrlimit
// refuses.
bool limitDataMemory(std::uint64_t headroom, std::string& problem);

}  // namespace moat::scan
