// A scan worker: a process forked by a scan host after the host compiled its
// engine, so it shares the engine's pages copy-on-write. It confines itself
// (worker_sandbox.h), then takes requests from the host's queue socket, one
// datagram at a time ("S" with the message's descriptor and the write end of
// its verdict pipe, or "S <skip>" with a third, the file for the message's
// content view; the kernel hands each datagram to exactly one worker).
// Per message it writes its pid (so a waiter can have the host kill it past
// the timeout) and then one verdict line. It exits after `max_messages`, after
// any verdict of kind "error" (an anomaly: a fresh process takes over), when
// the queue closes, or when its host dies; an alarm kills it at the timeout.
// Before confining itself it creates its own directory in the host's scratch
// root and points its copy of the engine there, so that libclamav's
// temporary files of a scan cut short are removed with it (scan/scratch_root.h),
// and bounds what it may allocate above the shared engine to [scan]
// worker_memory (scan/data_memory_limit.h): a message built to exhaust memory
// fails its own scan instead of growing the worker until the unit is OOM-killed.
#pragma once

#include "config/config.h"
#include "scan/attachment_policy.h"
#include "scan/scratch_root.h"
#include "signature_engine.h"

namespace moat::scand {

// Exit status of a worker that could not confine itself (it scans nothing).
inline constexpr int kExitUnconfined = 2;
// Exit status of a worker that could not set up its temporary directory.
inline constexpr int kExitNoScratch = 4;
// Exit status of a worker that could not bound its memory ([scan] worker_memory).
inline constexpr int kExitNoMemoryLimit = 5;

// Never returns. `queue` is the only descriptor the worker keeps (besides
// 0-2); everything else is closed before the first message. scratch may be
// null only when engine is.
[[noreturn]] void runWorker(int queue, const SignatureEngine* engine,
                            const scan::ScratchRoot* scratch, const config::Scan& cfg,
                            const scan::AttachmentRules& rules, int max_messages);

}  // namespace moat::scand
