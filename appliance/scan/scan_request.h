// moat-scand's side of the scan protocol (scan_client.h is the other): reads one
// "SCAN\n" with exactly one attached file descriptor, which must be a regular
// file, within a short deadline. Anything else is refused and the connection
// closed; stray descriptors are closed, never used.
#pragma once

#include <chrono>
#include <string>

namespace moat::scan {

// The received descriptor (the caller closes it), or -1 with `problem` set.
int readScanRequest(int conn, std::chrono::milliseconds timeout, std::string& problem);

}  // namespace moat::scan
