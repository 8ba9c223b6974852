// The valid-address list of each protected domain (recipient validation by list):
// canonical "local@domain" in lower case, domain being the protected domain. Rows
// fire the generation trigger, so a running moat-smtpd reloads the lists. Bad input
// throws std::invalid_argument with a message fit for the operator; database
// failures throw Poco::Data exceptions.
#pragma once

#include <Poco/Data/Session.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::store {

// The canonical form of a bare mailbox "local@domain" (mail::parseMailbox's
// rules, SMTPUTF8 allowed, then ASCII lower case), or nothing with the
// reason in `why`. Domain literals and routing local parts are refused:
// such recipients never reach a backend.
std::optional<std::string> canonicalMailbox(std::string_view text, std::string& why);

struct PasteResult {
    std::size_t added = 0;    // new rows
    std::size_t present = 0;  // already listed (or given twice)
    std::size_t removed = 0;  // rows dropped by replace
    // (index into the input, reason) for every address refused.
    std::vector<std::pair<std::size_t, std::string>> errors;
};

// Adds one address (canonicalised first); false if it was already listed.
bool addValidAddress(Poco::Data::Session& session, long long domain_id, std::string_view address);

// Adds addresses to domain_id's list in one transaction. Each must be a
// canonical mailbox of that domain; the others are reported in errors and
// skipped. With replace, every address not in `addresses` is removed first
// (in the same transaction, so the daemon never sees an empty list).
// An unknown domain_id throws before anything changes.
PasteResult pasteValidAddresses(Poco::Data::Session& session, long long domain_id,
                                const std::vector<std::string>& addresses, bool replace);

// False if the address was not listed. The address is canonicalised first.
bool removeValidAddress(Poco::Data::Session& session, long long domain_id,
                        std::string_view address);

// The domain's addresses, sorted.
std::vector<std::string> listValidAddresses(Poco::Data::Session& session, long long domain_id);
std::size_t countValidAddresses(Poco::Data::Session& session, long long domain_id);
// The domain's addresses containing `like_pattern` (LIKE-escaped with '\'), sorted, a page of
// them; and how many match in all.
std::vector<std::string> searchValidAddresses(Poco::Data::Session& session, long long domain_id,
                                              const std::string& like_pattern, long long limit, long long offset);
std::size_t countMatchingValidAddresses(Poco::Data::Session& session, long long domain_id,
                                        const std::string& like_pattern);

// Every listed address of every domain (the addresses carry their domain).
std::vector<std::string> allValidAddresses(Poco::Data::Session& session);

}  // namespace moat::store
