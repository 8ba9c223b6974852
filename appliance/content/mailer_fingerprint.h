// Whether a message is written the way the mail program it claims to be
// would have written it. Bulk-mail tools ("ratware") copy the fields of a
// common mail program — Microsoft Outlook and Outlook Express above all —
// without writing the message as that program does: a Message-ID in
// Outlook's format whose embedded time is not the Date's, an Outlook
// Message-ID with no X-MimeOLE (which Outlook always writes beside it), an
// Outlook Express X-Mailer with a Message-ID of another format, or an Outlook
// that sent HTML with no text alternative (it never does). SpamAssassin
// (MSGID_OUTLOOK_INVALID, RATWARE_MS_HASH, FORGED_MUA_OUTLOOK,
// FORGED_OUTLOOK_HTML) and rspamd (FORGED_MUA_OUTLOOK, MISSING_MIMEOLE) check
// the same claims. The classifier's tokens cannot: each field alone is common
// in real mail, only the combination is a forgery. Pure functions of header
// values; heuristics.cpp turns a finding into a score part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moat::content {

// What the checks read off a message. Absent fields are empty views / nullopt.
struct MailerClaims {
    std::string_view message_id;                 // the Message-ID field's value
    std::string_view x_mailer;                   // the X-Mailer field's value
    std::optional<std::string_view> x_mimeole;   // the X-MimeOLE field's value, when present
    std::optional<std::int64_t> date;            // the Date field, seconds since the epoch
    std::optional<std::int64_t> received;        // the topmost Received field's date
    bool html_only = false;                      // HTML text and no plain-text part
};

// A Message-ID in the format Outlook and Outlook Express write
// (<hex$hex$hex@host>) on a message they did not write: its time field is
// more than about 30 hours from both the Date and the arrival, or the
// message lacks Outlook's "Produced By Microsoft MimeOLE" field. The reason,
// or nothing when the Message-ID is not in that format or is consistent.
std::optional<std::string> ratwareMessageId(const MailerClaims& claims);

// An X-Mailer naming Outlook or Outlook Express on a message those programs
// could not have written: Outlook Express 4–6 with a Message-ID of another
// format, or any Outlook sending HTML with no text alternative. The reason,
// or nothing. (Outlook's X-MSMail-Priority without its X-MimeOLE is not
// checked: SquirrelMail and legitimate bulk-mail programs copy that field too.)
std::optional<std::string> forgedMailer(const MailerClaims& claims);

// The Outlook Express time field of a Message-ID (the 8 hex digits after the
// first 4), or nothing when the Message-ID is not <12 hex$8 hex$8 hex@...>.
std::optional<std::uint32_t> outlookIdTime(std::string_view message_id);

// The value Outlook Express writes in that field for a time (seconds since the
// epoch): the high 32 bits of its FILETIME (100 ns units since 1601).
std::int64_t outlookTimeToken(std::int64_t seconds);

}  // namespace moat::content
