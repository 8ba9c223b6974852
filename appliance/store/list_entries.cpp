#include "store/list_entries.h"

#include <Poco/Data/Statement.h>
#include <Poco/Data/Transaction.h>
#include <Poco/String.h>

#include <array>
#include <stdexcept>

#include "net/cidr.h"
#include "mail/address.h"
#include "store/domains.h"
#include "store/store.h"
#include "util/ascii_text.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

constexpr std::array<std::string_view, 4> kLists = {"allow", "deny", "passthrough", "exception"};

// The kinds each list takes, as an operator reads them in an error message.
std::string_view kindsOf(std::string_view list) {
    if (list == "allow" || list == "deny") return "sender, sender_domain or client";
    if (list == "passthrough") return "recipient";
    return "client or domain";
}

bool takes(std::string_view list, std::string_view kind) {
    if (list == "allow" || list == "deny")
        return kind == "sender" || kind == "sender_domain" || kind == "client";
    if (list == "passthrough") return kind == "recipient";
    return kind == "client" || kind == "domain";
}

void checkList(std::string_view list) {
    for (auto name : kLists)
        if (list == name) return;
    throw std::invalid_argument("unknown list '" + log::printable(list, 60) +
                                "' (expected allow, deny, passthrough or exception)");
}

// Everything about an entry except its value, validated once (a paste adds
// many values to the same scope, list and kind).
struct Target {
    long long domain_id = 0;
    std::string domain_name;  // "" for the global lists
    std::string list, kind, note;
};

void checkNote(std::string_view note) {
    if (note.size() > 200) throw std::invalid_argument("note longer than 200 characters");
    for (unsigned char c : note)
        if (c < 0x20 || c == 0x7f)
            throw std::invalid_argument("note must not contain control characters");
}

Target target(Poco::Data::Session& session, long long domain_id, std::string_view list,
              std::string_view kind, std::string_view note) {
    checkList(list);
    if (!takes(list, kind))
        throw std::invalid_argument("the " + std::string(list) + " list takes " +
                                    std::string(kindsOf(list)) + " entries, not '" +
                                    log::printable(kind, 60) + "'");
    checkNote(note);
    Target t{domain_id, {}, std::string(list), std::string(kind), std::string(note)};
    if (domain_id < 0)
        throw std::invalid_argument("invalid domain id " + std::to_string(domain_id));
    if (domain_id > 0) {
        Poco::Int64 id = domain_id;
        std::vector<std::string> names;
        session << "SELECT name FROM domains WHERE id = ?", use(id), into(names), now;
        if (names.empty())
            throw std::invalid_argument("no such domain (id " + std::to_string(domain_id) + ")");
        t.domain_name = Poco::toLower(names[0]);
    }
    return t;
}

// An address as the SMTP session will present it: mail::parsePath's canonical
// form, so "Jane@Example.COM" and "<Jane@example.com>" are the same entry.
std::string address(std::string_view what, std::string_view text) {
    std::string path(text);
    if (path.empty() || path.front() != '<') path = "<" + path + ">";
    auto r = mail::parsePath(path, false, true);
    std::string why;
    if (!r.ok()) {
        why = r.error;
        for (std::string_view prefix : {"Bad address syntax: ", "Syntax: "})
            if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
    } else if (!r.params.empty()) {
        why = "unexpected text after the address";
    }
    if (!why.empty())
        throw std::invalid_argument("invalid " + std::string(what) + " address '" +
                                    log::printable(text, 100) + "': " + why);
    return r.address->str();
}

// A domain entry: "*.example.com" and ".example.com" mean the domain and
// everything below it; "@example.com" (a sender domain) is the domain itself.
std::string domain(std::string_view text, bool& subdomains) {
    if (text.rfind("*.", 0) == 0) {
        text.remove_prefix(2);
        subdomains = true;
    } else if (text.rfind('.', 0) == 0) {
        text.remove_prefix(1);
        subdomains = true;
    } else if (text.rfind('@', 0) == 0) {
        text.remove_prefix(1);
    }
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    return normaliseDomainName(text);
}

// The canonical value; may set subdomains.
std::string canonical(const Target& t, std::string_view input, bool& subdomains) {
    std::string_view text = util::trimWhitespace(input);
    if (text.empty()) throw std::invalid_argument("empty " + t.kind + " value");
    bool domain_kind = t.kind == "sender_domain" || t.kind == "domain";
    if (subdomains && !domain_kind)
        throw std::invalid_argument("subdomains apply only to sender_domain and domain entries");
    if (t.kind == "sender") return address("sender", text);
    if (t.kind == "recipient") {
        auto value = address("recipient", text);
        if (!t.domain_name.empty() && value.substr(value.rfind('@') + 1) != t.domain_name)
            throw std::invalid_argument("recipient " + log::printable(value, 100) +
                                        " is not an address in " + t.domain_name);
        return value;
    }
    if (t.kind == "client") {
        auto cidr = net::Cidr::parse(text);
        if (!cidr)
            throw std::invalid_argument("invalid client '" + log::printable(text, 100) +
                                        "' (expected an IP address or network, e.g. 192.0.2.0/24)");
        return cidr->str();
    }
    auto name = domain(text, subdomains);
    if (t.kind == "domain") subdomains = true;  // PTR names live below their domain
    return name;
}

ListEntry insert(Poco::Data::Session& session, const Target& t, std::string_view input,
                 bool subdomains) {
    ListEntry e;
    e.domain_id = t.domain_id;
    e.list = t.list;
    e.kind = t.kind;
    e.value = canonical(t, input, subdomains);
    e.subdomains = subdomains;
    e.note = t.note;
    e.created = nowSeconds();

    Poco::Int64 domain_id = e.domain_id, created = e.created;
    int sub = e.subdomains ? 1 : 0;
    // Sender local parts are matched case-insensitively, so they clash that way too.
    std::vector<Poco::Int64> existing;
    session << "SELECT id FROM list_entries WHERE domain_id = ? AND list = ? AND kind = ? AND "
               "value = ? COLLATE NOCASE",
        use(domain_id), use(e.list), use(e.kind), use(e.value), into(existing), now;
    auto duplicate = [&](long long id) {
        return std::invalid_argument(e.list + " " + e.kind + " " + log::printable(e.value, 100) +
                                     " is already listed" +
                                     (id ? " (entry " + std::to_string(id) + ")" : ""));
    };
    if (!existing.empty()) throw duplicate(existing[0]);
    Poco::Data::Statement add(session);
    add << "INSERT INTO list_entries (domain_id, list, kind, value, subdomains, note, created)"
           " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (domain_id, list, kind, value) DO NOTHING",
        use(domain_id), use(e.list), use(e.kind), use(e.value), use(sub), use(e.note), use(created);
    if (add.execute() == 0) throw duplicate(0);
    Poco::Int64 id = 0;
    session << "SELECT last_insert_rowid()", into(id), now;
    e.id = id;
    return e;
}

}  // namespace

ListEntry addListEntry(Poco::Data::Session& session, long long domain_id, std::string_view list,
                       std::string_view kind, std::string_view value, bool subdomains,
                       std::string_view note) {
    return insert(session, target(session, domain_id, list, kind, note), value, subdomains);
}

std::size_t addListEntries(Poco::Data::Session& session, long long domain_id, std::string_view list,
                           std::string_view kind, const std::vector<std::string>& values,
                           std::string_view note, std::vector<std::string>& errors) {
    Target t = target(session, domain_id, list, kind, note);
    std::size_t added = 0;
    Poco::Data::Transaction tx(session);  // one commit, not one fsync per line
    for (std::size_t i = 0; i < values.size(); ++i) {
        auto text = util::trimWhitespace(values[i]);
        if (text.empty() || text.front() == '#') continue;
        try {
            insert(session, t, text, false);
            ++added;
        } catch (const std::invalid_argument& e) {
            errors.push_back("line " + std::to_string(i + 1) + ": " + e.what());
        }
    }
    tx.commit();
    return added;
}

std::optional<ListEntry> findListEntry(Poco::Data::Session& session, long long id) {
    Poco::Int64 key = id;
    std::vector<Poco::Int64> domains, created, hits, last_hit;
    std::vector<std::string> lists, kinds, values, notes;
    std::vector<int> subdomains;
    session << "SELECT domain_id, list, kind, value, subdomains, note, created, hits, last_hit"
               " FROM list_entries WHERE id = ?",
        use(key), into(domains), into(lists), into(kinds), into(values), into(subdomains), into(notes),
        into(created), into(hits), into(last_hit), now;
    if (domains.empty()) return std::nullopt;
    ListEntry e;
    e.id = id;
    e.domain_id = domains[0];
    e.list = lists[0];
    e.kind = kinds[0];
    e.value = values[0];
    e.subdomains = subdomains[0] != 0;
    e.note = notes[0];
    e.created = created[0];
    e.hits = hits[0];
    e.last_hit = last_hit[0];
    return e;
}

bool setListEntryNote(Poco::Data::Session& session, long long id, std::string_view note) {
    checkNote(note);
    Poco::Int64 key = id;
    std::string text(note);
    Poco::Data::Statement update(session);
    update << "UPDATE list_entries SET note = ? WHERE id = ?", use(text), use(key);
    return update.execute() > 0;
}

bool removeListEntry(Poco::Data::Session& session, long long id) {
    Poco::Int64 key = id;
    Poco::Data::Statement del(session);
    del << "DELETE FROM list_entries WHERE id = ?", use(key);
    return del.execute() > 0;
}

std::vector<ListEntry> listListEntries(Poco::Data::Session& session,
                                       std::optional<long long> domain_id, std::string_view list) {
    if (!list.empty()) checkList(list);
    int any_domain = domain_id ? 0 : 1;
    Poco::Int64 scope = domain_id.value_or(0);
    std::string list_name(list);
    std::vector<Poco::Int64> ids, domains, created, hits, last_hit;
    std::vector<std::string> lists, kinds, values, notes;
    std::vector<int> subdomains;
    session << "SELECT id, domain_id, list, kind, value, subdomains, note, created, hits, last_hit"
               " FROM list_entries WHERE (? OR domain_id = ?) AND (? = '' OR list = ?)"
               " ORDER BY domain_id, list, kind, value COLLATE NOCASE, id",
        use(any_domain), use(scope), use(list_name), use(list_name), into(ids), into(domains),
        into(lists), into(kinds), into(values), into(subdomains), into(notes), into(created),
        into(hits), into(last_hit), now;
    std::vector<ListEntry> out(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        out[i].id = ids[i];
        out[i].domain_id = domains[i];
        out[i].list = lists[i];
        out[i].kind = kinds[i];
        out[i].value = values[i];
        out[i].subdomains = subdomains[i] != 0;
        out[i].note = notes[i];
        out[i].created = created[i];
        out[i].hits = hits[i];
        out[i].last_hit = last_hit[i];
    }
    return out;
}

void addListHits(Poco::Data::Session& session,
                 const std::vector<std::tuple<long long, long long, long long>>& id_count_lastts) {
    if (id_count_lastts.empty()) return;
    Poco::Int64 id = 0, count = 0, last = 0;
    Poco::Data::Transaction tx(session);
    Poco::Data::Statement update(session);
    update << "UPDATE list_entries SET hits = hits + ?, last_hit = max(last_hit, ?) WHERE id = ?",
        use(count), use(last), use(id);
    for (const auto& [entry, n, ts] : id_count_lastts) {
        id = entry;
        count = n;
        last = ts;
        update.execute();
    }
    tx.commit();
}

}  // namespace moat::store
