// The confinement of a scan worker, applied once in the worker after fork and
// before it takes its first message: a seccomp filter (libseccomp) that lets
// it read the descriptors it is handed, write its verdict, allocate memory
// and use ClamAV's scratch files, and nothing else. Making a socket,
// connecting, sending on a socket, exec, fork, ptrace, or signalling any
// process but itself kills the worker outright (the waiter answers 451 and
// the host starts a fresh worker); any other call it was not allowed fails
// with EPERM. Under ASan/UBSan builds (compile-time check) unlisted calls are
// allowed, since the sanitizer runtime needs calls a worker never makes;
// the network, exec and ptrace kills stay.
#pragma once

#include <string>

namespace moat::scand {

// false (with `problem` set) when the filter could not be installed; the
// worker must then not scan.
bool confineWorker(std::string& problem);

}  // namespace moat::scand
