// The white/black lists as moat-smtpd consults them during the SMTP dialogue:
// ListSet is an immutable index over every store::ListEntry, built in one go
// (and rebuilt whole when the store's generation changes), so sessions share
// it without locks. A query is a few hash lookups: one per domain label and
// one per distinct prefix length present, never a scan of the entries.
//
// Precedence, the same for every query: the recipient domain's own entries
// are consulted first and the global ones only when none of the domain's
// match. Within one scope the most specific entry wins — a sender address
// before a sender domain, a name before the names above it, a client network
// with a longer prefix before a shorter one, and (senderList only) any sender
// or sender-domain entry before any client network; on a tie (the same value
// on both lists) deny wins. So a domain may allow what is denied globally.
//
// ListHits counts matches for the entries' hit counters; the daemon drains it
// periodically into store::addListHits.
#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Net/IPAddress.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/list_entries.h"

namespace moat::policy {

// The entry that decided a query.
struct ListMatch {
    long long id = 0;
    long long domain_id = 0;  // the entry's scope: 0 = global
    std::string list;         // allow | deny | passthrough | exception
    std::string kind;         // sender | sender_domain | client | recipient | domain
    std::string value;        // canonical, as stored
    bool subdomains = false;
    std::string note;

    bool global() const { return domain_id == 0; }
    bool denied() const { return list == "deny"; }
    // For logs and replies: "deny sender_domain *.example.com (list entry 42, global)".
    std::string describe() const;
};

class ListSet {
  public:
    // Prefer build(); entries are the rows of store::listListEntries().
    explicit ListSet(std::vector<store::ListEntry> entries);
    ~ListSet();
    ListSet(const ListSet&) = delete;
    ListSet& operator=(const ListSet&) = delete;

    static std::shared_ptr<const ListSet> build(std::vector<store::ListEntry> entries);
    static std::shared_ptr<const ListSet> load(Poco::Data::Session& session);  // every entry

    // allow/deny for a transaction to domain_id (0: only the global lists).
    // sender: the canonical reverse-path "local@domain" (mail::Address::str()),
    // "" for <>; its local part and domain are compared case-insensitively
    // (ASCII). A sender domain entry matches that domain, and with subdomains
    // every name below it too. A client matches networks by longest prefix;
    // an IPv4-mapped IPv6 client matches IPv4 networks.
    std::optional<ListMatch> senderList(long long domain_id, const Poco::Net::IPAddress& client,
                                        std::string_view sender) const;

    // The passthrough entry for a canonical recipient "local@domain" (compared
    // case-insensitively), in domain_id's list or the global one.
    std::optional<ListMatch> passthrough(long long domain_id, std::string_view recipient) const;

    // The exception (skip the DNS checks) that covers the client: its address
    // is in an exception network, or client_name or sender_domain equals an
    // exception domain or lies below one. Tried in that order, domain scope
    // first. client_name must be a forward-confirmed PTR name ("" if none):
    // anyone can publish any PTR for their own addresses. A trailing dot and
    // letter case are ignored.
    std::optional<ListMatch> exception(long long domain_id, const Poco::Net::IPAddress& client,
                                       std::string_view client_name,
                                       std::string_view sender_domain) const;

    std::size_t size() const { return entries_.size(); }

  private:
    struct Index;

    std::vector<store::ListEntry> entries_;  // never resized after construction: Index points in
    std::unique_ptr<const Index> index_;
};

// Thread-safe hit counter: sessions record, a timer drains into the store.
class ListHits {
  public:
    void record(long long entry_id, long long ts);
    // (entry id, hits since the last drain, latest hit time), and resets.
    std::vector<std::tuple<long long, long long, long long>> drain();

  private:
    std::mutex mutex_;
    std::unordered_map<long long, std::pair<long long, long long>> pending_;  // id -> count, last
};

}  // namespace moat::policy
