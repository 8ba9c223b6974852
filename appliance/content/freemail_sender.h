// A message whose From names a large webmail provider but that the provider
// did not send. Gmail, Yahoo, Outlook.com/Hotmail, AOL, iCloud, GMX/WEB.DE,
// Mail.ru, Yandex and the like sign every message they send with DKIM, so a
// message From one of them with no DKIM-Signature field at all did not come
// through them; spammers use such addresses for their good name and for
// replies they can collect. Replies (In-Reply-To, References, "Re:") and
// mailing-list posts (List-Id and kin) are left alone: lists and old
// forwarders may carry a user's post without its signature. SpamAssassin's
// SPOOFED_FREEMAIL checks the same claim through the relays. Presence only:
// whether a signature verifies is sender authentication's job; this check
// needs no DNS and says only that no signature was even attempted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "content/decoded_message.h"

namespace moat::content {

// True for a domain (lower case) of a webmail provider that signs all its
// outgoing mail: gmail.com, yahoo.co.uk, hotmail.fr, aol.com, web.de, ...
bool isSigningFreemailDomain(std::string_view domain);

// The reason, when the message's From domain (from_domain, lower case) is a
// signing webmail provider's and the message carries no DKIM-Signature and
// is neither a reply nor a mailing-list post; else nothing.
std::optional<std::string> unsignedFreemail(const DecodedMessage& message, std::string_view from_domain);

}  // namespace moat::content
