// Fuzzes the console's reader of moat-scand's status file: any bytes give a
// status or nothing, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/scand_status.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    moat::api::parseScandStatus(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
