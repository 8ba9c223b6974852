// White/black lists, global (domain_id 0) and per protected domain, in the
// list_entries table. Every value is validated and stored in one canonical
// form, the form policy::ListSet matches on, so a duplicate is found however
// it was typed. Adding or removing an entry fires the generation trigger
// (a running moat-smtpd reloads); hit counters do not.
// Bad input throws std::invalid_argument with a message fit for the operator;
// database failures throw Poco::Data exceptions.
#pragma once

#include <Poco/Data/Session.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace moat::store {

// list and kind combinations:
//   allow, deny   sender (an address), sender_domain, client (IP or CIDR)
//   passthrough   recipient (an address; in that domain for a domain's list)
//   exception     client, domain (client PTR name or sender domain)
struct ListEntry {
    long long id = 0;
    long long domain_id = 0;  // 0 = global
    std::string list;         // allow | deny | passthrough | exception
    std::string kind;         // sender | sender_domain | client | recipient | domain
    std::string value;        // canonical: see addListEntry
    bool subdomains = false;  // sender_domain/domain: also every name below value
    std::string note;
    long long created = 0;
    long long hits = 0;
    long long last_hit = 0;  // epoch seconds, 0 = never
};

// Validates and adds one entry; returns the stored row. Canonical values:
// sender: the address as mail::parseMailbox gives it ("<...>" around it is
// accepted); sender_domain/domain: lower case without a trailing dot, where
// a leading "*." or "." sets subdomains (an exception domain always covers
// its subdomains); client: net::Cidr::str(). domain_id must name a protected
// domain. An entry equal to an existing one of the same scope, list and kind
// (sender addresses compared case-insensitively) is refused: "already listed".
ListEntry addListEntry(Poco::Data::Session& session, long long domain_id, std::string_view list,
                       std::string_view kind, std::string_view value, bool subdomains,
                       std::string_view note);

// Bulk paste: adds every value in one transaction, skipping blank lines and
// lines starting with '#'. A bad value is reported in `errors` as
// "line N: why" (N counts from 1 over `values`) and skipped; the good ones
// are committed. Returns how many were added. An invalid list, kind, domain
// or note throws before anything is added.
std::size_t addListEntries(Poco::Data::Session& session, long long domain_id, std::string_view list,
                           std::string_view kind, const std::vector<std::string>& values,
                           std::string_view note, std::vector<std::string>& errors);

std::optional<ListEntry> findListEntry(Poco::Data::Session& session, long long id);

// Replaces an entry's note (validated as for addListEntry). False if there
// is no such entry.
bool setListEntryNote(Poco::Data::Session& session, long long id, std::string_view note);

// False if there was no such entry.
bool removeListEntry(Poco::Data::Session& session, long long id);

// Entries of one scope (domain_id; 0 = global) or of all, of one list or of
// all, ordered by scope, list, kind and value (ignoring case). An unknown
// list name throws.
std::vector<ListEntry> listListEntries(Poco::Data::Session& session,
                                       std::optional<long long> domain_id = {},
                                       std::string_view list = {});

// Adds hit counts in one transaction: for each (id, count, last_ts) hits +=
// count and last_hit = max(last_hit, last_ts). Entries removed meanwhile are
// skipped. Must not be called inside an open transaction.
void addListHits(Poco::Data::Session& session,
                 const std::vector<std::tuple<long long, long long, long long>>& id_count_lastts);

}  // namespace moat::store
