// Fuzzes the reader of stored training examples (content/feature_blob.h):
// any bytes give sorted unique hashes or nothing, and what decodes encodes
// back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "content/feature_blob.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view blob(reinterpret_cast<const char*>(data), size);
    auto hashes = moat::content::decodeFeatures(blob);
    if (!hashes) return 0;
    for (std::size_t i = 1; i < hashes->size(); ++i)
        if ((*hashes)[i - 1] >= (*hashes)[i]) std::abort();
    auto again = moat::content::decodeFeatures(moat::content::encodeFeatures(*hashes));
    if (!again || *again != *hashes) std::abort();
    return 0;
}
