// An archived message made safe to show: its top-level headers decoded to
// text, text/plain parts as text, text/html parts reduced to the text a
// reader sees (content::decodeMessage does the MIME work and the HTML-to-text
// conversion), attachments by name, type and size only. Nothing in the answer
// is HTML to render; the browser shows it all as text. Never throws on
// hostile input (only std::bad_alloc).
#pragma once

#include <Poco/JSON/Array.h>

#include <string_view>

namespace moat::api {

struct ArchiveView {
    Poco::JSON::Array::Ptr headers;  // [[name, value], ...]
    Poco::JSON::Array::Ptr parts;    // [{"content_type","filename","size","text"}]
};

ArchiveView viewMessage(std::string_view raw);

// True if `file` (archive.file) names a plain file inside the archive
// directory: not empty, no '/', no "..", no control bytes.
bool safeArchiveFileName(std::string_view file);

}  // namespace moat::api
