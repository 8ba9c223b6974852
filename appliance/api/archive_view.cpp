#include "api/archive_view.h"

#include <Poco/JSON/Object.h>

#include "api/json_fields.h"
#include "content/mime_decoder.h"
#include "util/ascii_text.h"

namespace moat::api {

namespace {
constexpr std::size_t kMaxPartText = 1u << 20;  // bytes of one part's text shown

// Bytes that may stand in an address's local part or domain as headers carry
// them (generous: anything but space, brackets, separators and quotes).
bool addressByte(unsigned char c) {
    if (c <= 0x20 || c == 0x7f) return false;
    for (char s : std::string_view("<>()[],;:\\\"@'`"))
        if (c == static_cast<unsigned char>(s)) return false;
    return true;
}

bool senderSide(std::string_view name) {
    for (std::string_view k : {"from", "sender", "reply-to", "return-path", "message-id",
                               "in-reply-to", "references", "resent-from", "resent-sender"})
        if (util::equalsNoCase(name, k)) return true;
    return false;
}

}  // namespace

std::string hideAddresses(std::string_view value, const AddressFilter& visible,
                          std::string_view keep) {
    std::string out;
    std::size_t done = 0;  // bytes of value copied (or replaced) so far
    for (std::size_t at = value.find('@'); at != std::string_view::npos;
         at = value.find('@', at + 1)) {
        std::size_t begin = at;
        while (begin > done && addressByte(static_cast<unsigned char>(value[begin - 1]))) --begin;
        std::size_t end = at + 1;
        while (end < value.size() && addressByte(static_cast<unsigned char>(value[end]))) ++end;
        if (begin == at || end == at + 1) continue;
        auto domain = value.substr(at + 1, end - at - 1);
        while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
        if (visible.allows(domain)) continue;
        if (!keep.empty() && util::equalsNoCase(value.substr(begin, end - begin), keep)) continue;
        out.append(value.substr(done, begin - done));
        out += "[hidden]";
        done = end;
        at = end - 1;
    }
    out.append(value.substr(done));
    return out;
}

ArchiveView viewMessage(std::string_view raw, const AddressFilter* visible) {
    auto decoded = content::decodeMessage(raw);
    ArchiveView view{new Poco::JSON::Array, new Poco::JSON::Array};
    for (const auto& h : decoded.headers) {
        Poco::JSON::Array::Ptr pair = new Poco::JSON::Array;
        pair->add(jsonText(h.name));
        pair->add(jsonText(visible && !senderSide(h.name) ? hideAddresses(h.value, *visible)
                                                          : h.value));
        view.headers->add(pair);
    }
    for (const auto& t : decoded.texts) {
        Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
        p->set("content_type", jsonText(t.content_type));
        p->set("filename", "");
        p->set("size", static_cast<Poco::Int64>(t.text.size()));
        p->set("text", jsonText(t.text.substr(0, kMaxPartText)));
        view.parts->add(p);
    }
    for (const auto& a : decoded.attachments) {
        Poco::JSON::Object::Ptr p = new Poco::JSON::Object;
        p->set("content_type", jsonText(a.content_type));
        p->set("filename", jsonText(a.filename));
        p->set("size", static_cast<Poco::Int64>(a.size));
        p->set("text", Poco::Dynamic::Var());
        view.parts->add(p);
    }
    return view;
}

bool safeArchiveFileName(std::string_view file) {
    if (file.empty() || file == "." || file.find('/') != std::string_view::npos ||
        file.find("..") != std::string_view::npos)
        return false;
    for (unsigned char c : file)
        if (c < 0x20 || c == 0x7f || c == '\\') return false;
    return true;
}

}  // namespace moat::api
