// Scans one message in a child process of its own: fork, then ClamAV and the
// attachment policy run on the message in the child, which writes one reply
// line to a pipe and exits. The parent waits at most the scan timeout, kills
// a child that is late and answers "error" for a child that crashed, hung or
// said nothing valid: hostile input can take down only its own scan.
#pragma once

#include <memory>

#include "config/config.h"
#include "scan/attachment_policy.h"
#include "scan/scan_reply.h"
#include "signature_engine.h"

namespace moat::scand {

// engine may be null (no signatures; the caller allowed scanning without them).
scan::ScanResult scanInChild(int message_fd, const SignatureEngine* engine, const config::Scan& cfg,
                             const scan::AttachmentRules& rules);

}  // namespace moat::scand
