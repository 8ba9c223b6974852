#include "content/transit_fields.h"

#include "util/ascii_text.h"

namespace moat::content {

bool addedInTransit(std::string_view name) {
    for (std::string_view prefix :
         {"x-spam", "x-moat", "x-virus", "x-original-", "x-uid", "x-keywords", "x-status", "x-imap",
          "x-evolution", "x-gmail", "x-gm-"})
        if (util::startsWithNoCase(name, prefix)) return true;
    for (std::string_view exact :
         {"received", "return-path", "delivered-to", "status", "lines", "content-length",
          "authentication-results", "received-spf", "arc-seal", "arc-message-signature",
          "arc-authentication-results"})
        if (util::equalsNoCase(name, exact)) return true;
    return false;
}

}  // namespace moat::content
