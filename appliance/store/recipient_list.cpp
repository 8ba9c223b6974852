#include "store/recipient_list.h"

namespace moat::store {

std::vector<ListedRecipient> splitRecipientList(std::string_view stored) {
    std::vector<ListedRecipient> out;
    while (!stored.empty()) {
        auto comma = stored.find(',');
        auto item = stored.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '<')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '>')) item.remove_suffix(1);
        if (!item.empty()) {
            ListedRecipient r;
            r.address = std::string(item);
            auto at = item.rfind('@');
            if (at != std::string_view::npos)
                for (char c : item.substr(at + 1))
                    r.domain += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            out.push_back(std::move(r));
        }
        if (comma == std::string_view::npos) break;
        stored.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace moat::store
