// An archived message made safe to show: its top-level headers decoded to
// text, text/plain parts as text, text/html parts reduced to the text a
// reader sees (content::decodeMessage does the MIME work and the HTML-to-text
// conversion), attachments by name, type and size only. Nothing in the answer
// is HTML to render; the browser shows it all as text. Never throws on
// hostile input (only std::bad_alloc).
#pragma once

#include <Poco/JSON/Array.h>

#include <string>
#include <string_view>

#include "api/json_fields.h"

namespace moat::api {

struct ArchiveView {
    Poco::JSON::Array::Ptr headers;  // [[name, value], ...]
    Poco::JSON::Array::Ptr parts;    // [{"content_type","filename","size","text"}]
};

// With `visible` non-null (a domain administrator), every address in a
// header other than the sender's (From, Sender, Reply-To, Return-Path) and
// the message ids (Message-ID, In-Reply-To, References) whose domain it does
// not allow is shown as "[hidden]": To, Cc, Received "for" clauses and the
// like never name another domain's recipients (docs/tenant-isolation.md).
ArchiveView viewMessage(std::string_view raw, const AddressFilter* visible = nullptr);

// `value` with each address whose domain `visible` does not allow replaced by
// "[hidden]", except an address equal (ignoring case) to `keep`: the message's
// sender, which the viewer sees anyway. Used for headers and for the free
// text of log rows (a refusal's reply text, a check's detail), which can name
// the recipient it is about.
std::string hideAddresses(std::string_view value, const AddressFilter& visible,
                          std::string_view keep = {});

// True if `file` (archive.file) names a plain file inside the archive
// directory: not empty, no '/', no "..", no control bytes.
bool safeArchiveFileName(std::string_view file);

}  // namespace moat::api
