// One message's scan, run inside a scan worker (scan_worker.h): ClamAV and
// then the attachment policy (which opens password-protected zips for ClamAV
// too) on the message read through `fd`, and the message's content view for
// moat-smtpd's scorer from the same decode. No locks, no logging, no process
// state touched: it may run in a confined process that is killed at any time.
#pragma once

#include "config/config.h"
#include "scan/attachment_policy.h"
#include "scan/scan_reply.h"
#include "signature_engine.h"

namespace moat::scand {

// view_fd: -1, or a file where the message's content view (content/content_view.h)
// is written when nothing was refused; the MIME decode (of the message from
// byte `skip` on) is the attachment policy's own. engine may be null (no
// signatures; scanning without them was allowed). Throws only std::exception
// (bad_alloc, a failed scan of a decrypted file).
scan::ScanResult scanMessage(int fd, int view_fd, std::size_t skip, const SignatureEngine* engine,
                             const config::Scan& cfg, const scan::AttachmentRules& rules);

}  // namespace moat::scand
