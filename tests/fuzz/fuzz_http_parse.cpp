// Fuzzes what moat-webui parses from the wire besides JSON: percent-decoding
// (a decoded result never contains NUL and is never longer than its input;
// decoding is exact for inputs without '%' and '+'), the query string (no
// empty names; every name and value NUL-free) and the Cookie header (no empty
// names; names and values without ';'), plus the static-file resolver's
// refusal of traversal for any decoded path.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "web/static_files.h"
#include "web/wire_parse.h"
#include "fuzz_check.h"

using moat::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    for (bool plus : {false, true}) {
        auto decoded = moat::web::percentDecode(input, plus);
        if (decoded) {
            check(decoded->size() <= input.size());
            check(decoded->find('\0') == std::string::npos);
            if (input.find('%') == std::string_view::npos &&
                input.find('+') == std::string_view::npos)
                check(*decoded == input);
        } else {
            check(input.find('%') != std::string_view::npos ||
                  input.find('\0') != std::string_view::npos);
        }
    }
    if (auto query = moat::web::parseQuery(input)) {
        for (const auto& [name, value] : *query) {
            check(!name.empty());
            check(name.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
        }
    }
    for (const auto& [name, value] : moat::web::parseCookies(input)) {
        check(!name.empty());
        check(name.find(';') == std::string::npos && value.find(';') == std::string::npos);
    }
    if (auto path = moat::web::percentDecode(input, false)) {
        static const auto root = std::filesystem::temp_directory_path();
        if (auto file = moat::web::resolveAsset(root, *path)) {
            auto relative = file->lexically_relative(std::filesystem::canonical(root)).string();
            check(!relative.empty() && relative.rfind("..", 0) != 0);
        }
    }
    return 0;
}
