#include "content/gtube.h"

namespace moat::content {

bool containsGtube(std::string_view raw) {
    return raw.find(kGtube) != std::string_view::npos;
}

bool containsGtube(const DecodedMessage& message) {
    for (const auto& t : message.texts)
        if (containsGtube(t.text)) return true;
    return false;
}

}  // namespace moat::content
