// moat-scand's side of the scan protocol (scan_client.h is the other): reads
// one request within a short deadline, either
//   "SCAN\n"          with one descriptor: the message (a regular file), or
//   "VIEW <skip>\n"   with two: the message and a regular file open for
//                     writing, where the worker puts the content view of the
//                     message (content/content_view.h) decoded from byte
//                     <skip> on (moat-smtpd's own Received: line is not the
//                     sender's). skip is decimal, at most kMaxViewSkip.
// Anything else is refused and the connection closed; stray descriptors are
// closed, never used.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace moat::scan {

inline constexpr std::size_t kMaxViewSkip = 64u << 10;

struct ScanRequest {
    int message = -1;      // read only
    int view = -1;         // -1: no content view asked for
    std::size_t skip = 0;  // bytes at the message's start the view leaves out
};

// A skip as written on the wire: decimal digits, no sign or leading zero, at
// most kMaxViewSkip (moat-scand's request and its datagram to a worker).
std::optional<std::size_t> parseViewSkip(std::string_view digits);

// The request line for a scan with (view_skip set) or without a content view.
std::string formatScanRequest(std::optional<std::size_t> view_skip);

// The received request (the caller closes its descriptors), or nothing with
// `problem` set.
std::optional<ScanRequest> readScanRequest(int conn, std::chrono::milliseconds timeout,
                                           std::string& problem);

}  // namespace moat::scan
