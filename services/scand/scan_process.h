// One message's scan, in a process of its own forked by the scan host:
// ClamAV and then the attachment policy (which opens password-protected zips
// for ClamAV too) run on the message, one verdict line is written to `out`,
// and the process exits. An alarm (the scan timeout) and a CPU limit end a
// scan that hangs or spins; the waiter sees EOF and answers "error".
#pragma once

#include "config/config.h"
#include "scan/attachment_policy.h"
#include "signature_engine.h"

namespace moat::scand {

// engine may be null (no signatures; scanning without them was allowed).
[[noreturn]] void runScan(int message_fd, int out, const SignatureEngine* engine,
                          const config::Scan& cfg, const scan::AttachmentRules& rules);

}  // namespace moat::scand
