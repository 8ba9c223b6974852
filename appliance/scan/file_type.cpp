#include "scan/file_type.h"

#include <algorithm>

#include "util/ascii_text.h"

namespace moat::scan {

std::string_view detectType(std::string_view b) {
    auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
    if (starts("MZ")) return "exe";
    if (starts("\x7f"
               "ELF"))
        return "elf";
    if (starts("\xfe\xed\xfa\xce") || starts("\xfe\xed\xfa\xcf") || starts("\xce\xfa\xed\xfe") ||
        starts("\xcf\xfa\xed\xfe"))
        return "macho";
    // 0xCAFEBABE is shared by Java classes and Mach-O universal binaries;
    // class files have a major version >= 45 where fat headers count architectures (small).
    if (starts("\xca\xfe\xba\xbe") && b.size() >= 8) {
        unsigned major = (static_cast<unsigned char>(b[6]) << 8) | static_cast<unsigned char>(b[7]);
        return major >= 45 ? "java-class" : "macho";
    }
    if (starts("#!")) return "script";
    return "";
}

std::string extensionOf(std::string_view filename) {
    auto slash = filename.find_last_of("/\\");
    if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
    while (!filename.empty() && (filename.back() == '.' || filename.back() == ' '))
        filename.remove_suffix(1);
    auto dot = filename.rfind('.');
    if (dot == std::string_view::npos) return "";
    return util::lowerAscii(filename.substr(dot + 1));
}

std::optional<std::string> blockedExtension(std::string_view filename,
                                            const std::vector<std::string>& extensions) {
    std::string ext = extensionOf(filename);
    if (ext.empty()) return std::nullopt;
    if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end())
        return std::nullopt;
    return ext;
}

}  // namespace moat::scan
