#include "content/decoded_message.h"

#include <strings.h>

namespace moat::content {

bool DecodedMessage::limited() const {
    for (auto name : {anomaly::kMessageSizeLimit, anomaly::kDepthLimit, anomaly::kPartLimit,
                      anomaly::kDecodedSizeLimit, anomaly::kTextLimit, anomaly::kHeaderLimit})
        if (has(name)) return true;
    return false;
}

const Header* DecodedMessage::header(std::string_view name) const {
    for (const auto& h : headers)
        if (h.name.size() == name.size() &&
            strncasecmp(h.name.data(), name.data(), name.size()) == 0)
            return &h;
    return nullptr;
}

std::string DecodedMessage::allText() const {
    std::string out;
    for (const auto& t : texts) {
        if (!out.empty()) out += '\n';
        out += t.text;
    }
    return out;
}

}  // namespace moat::content
