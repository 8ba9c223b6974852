#include "scan/attachment_policy.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>

#include "scan/file_type.h"

namespace moat::scan {
namespace {

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string printableName(std::string_view name) {
    std::string out(name.substr(0, 200));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out.empty() ? std::string("(unnamed)") : out;
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

struct Walk {
    const AttachmentRules& rules;
    std::size_t entries = 0;
    std::size_t bytes = 0;
};

// Looks inside data when it is an archive; the finding names the entry by its
// path below the attachment ("inner.zip/setup.exe").
std::optional<std::string> inspectArchive(std::string_view data, const std::string& prefix,
                                          std::size_t depth, Walk& walk) {
    ArchivePtr a(archive_read_new());
    if (!a) throw std::bad_alloc();
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_bzip2(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_format_zip(a.get());
    archive_read_support_format_7zip(a.get());
    archive_read_support_format_rar(a.get());
    archive_read_support_format_rar5(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_cab(a.get());
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
        return std::nullopt;

    archive_entry* entry = nullptr;
    std::string content;
    for (;;) {
        int r = archive_read_next_header(a.get(), &entry);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            // 7z and rar with encrypted headers fail here.
            if (walk.rules.block_encrypted && archive_read_has_encrypted_entries(a.get()) > 0)
                return "an encrypted archive" +
                       (prefix.empty() ? std::string() : " (" + prefix + ")");
            break;
        }
        if (++walk.entries > walk.rules.max_entries) break;
        if (archive_entry_filetype(entry) != AE_IFREG) continue;
        const char* raw = archive_entry_pathname(entry);
        std::string name = raw ? raw : "";
        std::string path =
            prefix.empty() ? printableName(name) : prefix + "/" + printableName(name);
        if (auto ext = blockedExtension(name, walk.rules.extensions))
            return "file type ." + *ext + " (" + path + ")";
        if (archive_entry_is_encrypted(entry)) {
            if (walk.rules.block_encrypted) return "an encrypted file (" + path + ")";
            continue;
        }
        content.clear();
        bool complete = false;
        char buf[64 * 1024];
        while (content.size() < walk.rules.max_entry_bytes &&
               walk.bytes < walk.rules.max_total_bytes) {
            la_ssize_t n = archive_read_data(a.get(), buf, sizeof(buf));
            if (n == 0) {
                complete = true;
                break;
            }
            if (n < 0) break;
            content.append(buf, static_cast<std::size_t>(n));
            walk.bytes += static_cast<std::size_t>(n);
        }
        if (auto problem = fileProblem(name, content, walk.rules))
            return "file type " + *problem + " (" + path + ")";
        if (complete && depth + 1 < walk.rules.max_depth)
            if (auto inner = inspectArchive(content, path, depth + 1, walk)) return inner;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> checkAttachment(const content::Attachment& attachment,
                                           const AttachmentRules& rules) {
    std::string name = printableName(attachment.filename);
    if (auto problem = fileProblem(attachment.filename, attachment.data, rules))
        return "attachment " + name + " is a blocked file type " + *problem;
    Walk walk{rules};
    if (auto inner = inspectArchive(attachment.data, "", 0, walk)) {
        if (inner->rfind("an encrypted", 0) == 0)
            return "attachment " + name + " contains " + *inner;
        return "attachment " + name + " contains blocked " + *inner;
    }
    return std::nullopt;
}

std::optional<std::string> checkAttachments(const content::DecodedMessage& message,
                                            const AttachmentRules& rules) {
    for (const auto& a : message.attachments)
        if (auto problem = checkAttachment(a, rules)) return problem;
    return std::nullopt;
}

}  // namespace moat::scan
