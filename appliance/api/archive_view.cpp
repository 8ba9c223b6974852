#include "api/archive_view.h"

#include <Poco/JSON/Object.h>

#include "api/json_fields.h"
#include "content/mime_decoder.h"

namespace moat::api {

namespace {
constexpr std::size_t kMaxPartText = 1u << 20;  // bytes of one part's text shown
}

ArchiveView viewMessage(std::string_view raw) {
    auto decoded = content::decodeMessage(raw);
    ArchiveView view{new Poco::JSON::Array, new Poco::JSON::Array};
    for (const auto& h : decoded.headers) {
        Poco::JSON::Array::Ptr pair = new Poco::JSON::Array;
        pair->add(jsonText(h.name));
        pair->add(jsonText(h.value));
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
