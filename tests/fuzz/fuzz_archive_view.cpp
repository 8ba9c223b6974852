// Fuzzes the archive's safe message view: any bytes give headers and parts as
// text (valid UTF-8 JSON), never a crash.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "api/archive_view.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto view = moat::api::viewMessage(std::string_view(reinterpret_cast<const char*>(data), size));
    std::ostringstream out;
    view.headers->stringify(out);
    view.parts->stringify(out);
    return 0;
}
