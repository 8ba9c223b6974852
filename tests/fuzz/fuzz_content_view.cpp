// Fuzzes the reader of content views (content/content_view.h), the bytes a
// possibly compromised scan worker hands moat-smtpd: any input gives a view
// within the decoder's limits or nothing, and a view read encodes to bytes
// that read back to the same view.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "content/content_view.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto view = moat::content::decodeContentView(bytes);
    if (!view) return 0;
    const moat::content::DecodeLimits limits;
    if (view->message.headers.size() > limits.max_headers) std::abort();
    if (view->message.texts.size() + view->message.attachments.size() > limits.max_parts) std::abort();
    auto again = moat::content::encodeContentView(view->message, view->raw_gtube);
    if (!again) std::abort();
    auto reread = moat::content::decodeContentView(*again);
    if (!reread) std::abort();
    auto third = moat::content::encodeContentView(reread->message, reread->raw_gtube);
    if (!third || *third != *again) std::abort();
    return 0;
}
