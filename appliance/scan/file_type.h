// Attachment file types that a mail gateway refuses by policy, recognised
// from names and from content. Only reliable magic numbers are used (an
// executable header cannot be a harmless document), so a detected type is a
// fact about the bytes whatever the sender called the file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::scan {

// "exe" (MZ: DOS/Windows executables and DLLs), "elf", "macho", "java-class",
// "script" ("#!" interpreter line), or "" when none of these.
std::string_view detectType(std::string_view bytes);

// The lower-case extension (without the dot) of a file name's last path
// component, after trailing dots and spaces that Windows ignores
// ("Setup.EXE. " -> "exe"); "" when there is none.
std::string extensionOf(std::string_view filename);

// The blocked extension of filename ("exe"), or nothing. extensions: lower case, no dots.
std::optional<std::string> blockedExtension(std::string_view filename,
                                            const std::vector<std::string>& extensions);

}  // namespace moat::scan
