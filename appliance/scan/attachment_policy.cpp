#include "scan/attachment_policy.h"

#include <archive_entry.h>

#include <algorithm>

#include "scan/archive_password.h"
#include "scan/archive_reader.h"
#include "scan/file_type.h"
#include "scan/password_candidates.h"

namespace moat::scan {
namespace {

using Outcome = EncryptedArchive::Outcome;

std::string printableName(std::string_view name) {
    std::string out(name.substr(0, 200));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out.empty() ? std::string("(unnamed)") : out;
}

std::string_view reason(Outcome outcome) {
    switch (outcome) {
        case Outcome::opened:
            return "opened with a password found in the message";
        case Outcome::password_not_found:
            return "no password in the message opens it";
        case Outcome::timed_out:
            return "the time for trying passwords ran out";
        case Outcome::unsupported:
            return "its encryption cannot be opened (only zip's can)";
    }
    return "";
}

// What is wrong with one file (a name and its bytes), or nothing.
std::optional<std::string> fileProblem(std::string_view name, std::string_view bytes,
                                       const AttachmentRules& rules) {
    if (auto ext = blockedExtension(name, rules.extensions)) return "." + *ext;
    std::string_view type = detectType(bytes);
    if (!type.empty() &&
        std::find(rules.types.begin(), rules.types.end(), type) != rules.types.end())
        return std::string(type);
    return std::nullopt;
}

// One attachment's walk. A blocked finding ends it unless decrypted files are
// virus-scanned: then it goes on, so that a virus is named whatever else is
// found (as the virus scan comes first for everything ClamAV can open).
struct Walk {
    const AttachmentRules& rules;
    const Unlock& unlock;
    std::string attachment;  // printable name
    std::size_t entries = 0;
    std::size_t bytes = 0;
    std::optional<std::string> blocked = {};  // the first, as the whole refusal text
    std::optional<std::string> virus = {};
    std::vector<EncryptedArchive> encrypted = {};
    std::vector<std::string> unreadable = {};

    bool done() const { return virus || (blocked && !unlock.scan); }
    void unread(const std::string& archive) {  // once, however many of its entries fail
        if (unreadable.empty() || unreadable.back() != archive) unreadable.push_back(archive);
    }
    void block(const std::string& what) {
        if (!blocked) blocked = "attachment " + attachment + " contains " + what;
    }
};

// Hands libarchive the password found for an archive, once: a later entry
// that it does not open then fails instead of asking again.
struct PassphraseSlot {
    std::string password;
    bool given = false;
};

const char* givePassphrase(archive*, void* data) {
    auto* slot = static_cast<PassphraseSlot*>(data);
    if (slot->password.empty() || slot->given) return nullptr;
    slot->given = true;
    return slot->password.c_str();
}

enum class Read { complete, cut, failed };

// The current entry's data into content, within the entry and total limits.
Read readEntry(archive* a, Walk& walk, std::string& content) {
    content.clear();
    char buf[64 * 1024];
    while (content.size() < walk.rules.max_entry_bytes && walk.bytes < walk.rules.max_total_bytes) {
        la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
        if (n == 0) return Read::complete;
        if (n < 0) return Read::failed;
        content.append(buf, static_cast<std::size_t>(n));
        walk.bytes += static_cast<std::size_t>(n);
    }
    return Read::cut;
}

// Looks for the password of the archive in data whose entry entry_index is
// encrypted; a password found goes into slot.
Outcome unlockArchive(archive* a, std::string_view data, std::size_t entry_index, Walk& walk,
                      PassphraseSlot& slot) {
    if (!canDecrypt(a)) return Outcome::unsupported;
    auto search = findArchivePassword(data, entry_index, walk.unlock.passwords,
                                      walk.unlock.deadline, walk.rules.max_entry_bytes);
    switch (search.outcome) {
        case PasswordSearch::Outcome::found:
            slot.password = search.password;
            return Outcome::opened;
        case PasswordSearch::Outcome::timed_out:
            return Outcome::timed_out;
        case PasswordSearch::Outcome::not_found:
            break;
    }
    return Outcome::password_not_found;
}

// Looks inside data when it is an archive; findings name the entry by its
// path below the attachment ("inner.zip/setup.exe").
void inspectArchive(std::string_view data, const std::string& prefix, std::size_t depth,
                    Walk& walk) {
    PassphraseSlot slot;  // outlives the reader that points at it
    ArchivePtr a = archiveReader();
    archive_read_set_passphrase_callback(a.get(), &slot, givePassphrase);
    if (!openArchive(a.get(), data)) return;
    std::string where = prefix.empty() ? walk.attachment : walk.attachment + "/" + prefix;
    std::optional<Outcome> unlocked;  // the password search, at the first encrypted entry
    std::size_t record = 0;           // then this archive's entry in walk.encrypted

    archive_entry* entry = nullptr;
    std::string content;
    for (std::size_t index = 0; !walk.done(); ++index) {
        int r = archive_read_next_header(a.get(), &entry);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            // 7z and rar with encrypted headers fail here; other archives
            // when damaged or cut short.
            if (archive_read_has_encrypted_entries(a.get()) > 0) {
                walk.encrypted.push_back({where, Outcome::unsupported});
                if (walk.rules.block_encrypted)
                    walk.block("an encrypted archive" +
                               (prefix.empty() ? std::string() : " (" + prefix + ")") + "; " +
                               std::string(reason(Outcome::unsupported)));
            } else {
                walk.unread(where);
            }
            break;
        }
        if (++walk.entries > walk.rules.max_entries) break;
        if (archive_entry_filetype(entry) != AE_IFREG) continue;
        const char* raw = archive_entry_pathname(entry);
        std::string name = raw ? raw : "";
        std::string path =
            prefix.empty() ? printableName(name) : prefix + "/" + printableName(name);
        if (auto ext = blockedExtension(name, walk.rules.extensions)) {
            walk.block("blocked file type ." + *ext + " (" + path + ")");
            continue;
        }
        bool encrypted = archive_entry_is_encrypted(entry);
        if (encrypted && !unlocked) {
            unlocked = unlockArchive(a.get(), data, index, walk, slot);
            record = walk.encrypted.size();
            walk.encrypted.push_back({where, *unlocked});
        }
        if (encrypted && *unlocked != Outcome::opened) {
            if (walk.rules.block_encrypted)
                walk.block("an encrypted file (" + path + "); " + std::string(reason(*unlocked)));
            continue;
        }
        Read read = readEntry(a.get(), walk, content);
        if (encrypted && read == Read::failed) {
            // The password that opened an earlier entry does not open this one.
            auto& outcome = walk.encrypted[record].outcome;
            outcome = Outcome::password_not_found;
            if (walk.rules.block_encrypted)
                walk.block("an encrypted file (" + path + "); " + std::string(reason(outcome)));
            continue;
        }
        if (read == Read::failed) {
            // Damaged data or an unknown compression method: what was read
            // is still checked below.
            walk.unread(where);
        }
        if (encrypted && walk.unlock.scan) {
            walk.virus = walk.unlock.scan(content);
            if (walk.virus) return;
        }
        if (auto problem = fileProblem(name, content, walk.rules)) {
            walk.block("blocked file type " + *problem + " (" + path + ")");
            continue;
        }
        if (read == Read::complete && depth + 1 < walk.rules.max_depth)
            inspectArchive(content, path, depth + 1, walk);
    }
}

}  // namespace

std::string AttachmentReport::summary() const {
    std::string out;
    for (const auto& e : encrypted) {
        if (!out.empty()) out += "; ";
        out += "encrypted archive " + e.path;
        out += e.outcome == Outcome::opened ? " " : " not opened: ";
        out += reason(e.outcome);
    }
    for (const auto& path : unreadable) {
        if (!out.empty()) out += "; ";
        out += "archive " + path + " could not be read to the end (damaged or an unknown method)";
    }
    return out;
}

AttachmentReport checkAttachment(const content::Attachment& attachment,
                                 const AttachmentRules& rules, const Unlock& unlock) {
    Walk walk{rules, unlock, printableName(attachment.filename)};
    if (auto problem = fileProblem(attachment.filename, attachment.data, rules))
        walk.blocked = "attachment " + walk.attachment + " is a blocked file type " + *problem;
    if (!walk.done()) inspectArchive(attachment.data, "", 0, walk);
    AttachmentReport report;
    report.encrypted = std::move(walk.encrypted);
    report.unreadable = std::move(walk.unreadable);
    if (walk.virus)
        report.refusal = ScanResult{ScanResult::Kind::virus, *walk.virus};
    else if (walk.blocked)
        report.refusal = ScanResult{ScanResult::Kind::blocked, *walk.blocked};
    return report;
}

AttachmentReport checkAttachments(const content::DecodedMessage& message,
                                  const AttachmentRules& rules, const VirusScan& scan) {
    AttachmentReport report;
    if (message.attachments.empty()) return report;
    CandidateLimits limits;
    limits.max_candidates = rules.max_passwords;
    Unlock unlock{passwordCandidates(message, limits),
                  std::chrono::steady_clock::now() + rules.password_time, scan};
    for (const auto& a : message.attachments) {
        auto one = checkAttachment(a, rules, unlock);
        report.encrypted.insert(report.encrypted.end(), one.encrypted.begin(), one.encrypted.end());
        report.unreadable.insert(report.unreadable.end(), one.unreadable.begin(),
                                 one.unreadable.end());
        if (one.refusal && (!report.refusal || one.refusal->kind == ScanResult::Kind::virus))
            report.refusal = one.refusal;
        if (report.refusal && (report.refusal->kind == ScanResult::Kind::virus || !scan)) break;
    }
    return report;
}

}  // namespace moat::scan
