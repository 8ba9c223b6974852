// The attachment policy: refuses a message whose attachments have a blocked
// extension or a blocked detected type, also inside archives (zip, 7z, rar,
// tar, cab; nested up to a depth), and optionally any encrypted archive entry
// (its contents cannot be checked). Archives are read in memory with
// libarchive within hard limits; nothing is written to disk or run.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "content/decoded_message.h"

namespace moat::scan {

struct AttachmentRules {
    std::vector<std::string> extensions;  // lower case, no dots: "exe", "scr", ...
    std::vector<std::string> types;       // detectType() names: "exe", "elf", ...
    bool block_encrypted = false;
    std::size_t max_depth = 5;                // archives within archives
    std::size_t max_entries = 10000;          // entries looked at in one attachment
    std::size_t max_entry_bytes = 32u << 20;  // read of one entry (beyond: head only, not unpacked)
    std::size_t max_total_bytes = 256u << 20;  // unpacked bytes in one attachment
};

// Why the message is refused, as the text after "Message rejected: ", e.g.
// "attachment invoice.zip contains blocked file type .exe (setup.exe)"; nothing when it passes.
std::optional<std::string> checkAttachments(const content::DecodedMessage& message,
                                            const AttachmentRules& rules);
std::optional<std::string> checkAttachment(const content::Attachment& attachment,
                                           const AttachmentRules& rules);

}  // namespace moat::scan
