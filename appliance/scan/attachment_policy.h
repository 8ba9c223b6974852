// The attachment policy: refuses blocked extensions and detected types, also
// inside archives (zip, 7z, rar, tar, cab; nested up to a depth). Encrypted zip
// entries are opened with passwords the message itself gives and checked and
// virus-scanned like any file; one that stays closed is refused with
// block_encrypted. Archives are read in memory, never written out or run.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/decoded_message.h"
#include "scan/scan_reply.h"

namespace moat::scan {

struct AttachmentRules {
    std::vector<std::string> extensions;  // lower case, no dots: "exe", "scr", ...
    std::vector<std::string> types;       // detectType() names: "exe", "elf", ...
    bool block_encrypted = false;
    std::size_t max_depth = 5;                // archives within archives
    std::size_t max_entries = 10000;          // entries looked at in one attachment
    std::size_t max_entry_bytes = 32u << 20;  // read of one entry (beyond: head only, not unpacked)
    std::size_t max_total_bytes = 256u << 20;       // unpacked bytes in one attachment
    std::size_t max_passwords = 32;                 // candidate passwords taken from one message
    std::chrono::milliseconds password_time{2000};  // trying them, per message
};

// Scans one decrypted file: the virus name, or nothing.
using VirusScan = std::function<std::optional<std::string>(std::string_view bytes)>;

// What opens password-protected archives in one message.
struct Unlock {
    std::vector<std::string> passwords;              // most likely first
    std::chrono::steady_clock::time_point deadline;  // no attempt goes on past it
    VirusScan scan;                                  // empty: decrypted files are not scanned
};

// An archive that has encrypted entries, and whether they were opened.
struct EncryptedArchive {
    enum class Outcome { opened, password_not_found, timed_out, unsupported };
    std::string path;  // "secret.zip", "outer.zip/inner.zip"
    Outcome outcome = Outcome::password_not_found;
};

struct AttachmentReport {
    // Kind::virus with the name (found in a decrypted file), or Kind::blocked
    // with the text after "Message rejected: ", e.g. "attachment invoice.zip
    // contains blocked file type .exe (setup.exe)"; nothing when it passes.
    std::optional<ScanResult> refusal;
    std::vector<EncryptedArchive> encrypted;
    // Archives ("a.zip", "outer.zip/inner.zip") that libarchive could not
    // read to the end — damaged, cut short, or packed by a method it does not
    // know: what lies past that point was not checked. Not refused for that
    // (ClamAV's own archive heuristics decide); named in the log.
    std::vector<std::string> unreadable;
    // For the log: "encrypted archive a.zip opened with a password found in
    // the message; archive b.zip could not be read to the end ..."; empty
    // when every archive was read and none was encrypted.
    std::string summary() const;
};

// Every attachment, trying the passwords passwordCandidates() finds in the
// message; a virus in any decrypted file wins over a blocked attachment.
AttachmentReport checkAttachments(const content::DecodedMessage& message,
                                  const AttachmentRules& rules, const VirusScan& scan);
AttachmentReport checkAttachment(const content::Attachment& attachment,
                                 const AttachmentRules& rules, const Unlock& unlock);

}  // namespace moat::scan
