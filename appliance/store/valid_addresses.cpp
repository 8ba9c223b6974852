#include "store/valid_addresses.h"

#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>

#include <set>
#include <stdexcept>

#include "mail/address.h"
#include "store/store.h"
#include "util/ascii_text.h"
#include "util/log.h"

using namespace Poco::Data::Keywords;

namespace moat::store {
namespace {

// A write transaction taken at once: a deferred one (BEGIN) that reads first
// fails with SQLITE_BUSY, without waiting, when moat-smtpd writes meanwhile.
class WriteTransaction {
  public:
    explicit WriteTransaction(Poco::Data::Session& session) : session_(session) {
        session_ << "BEGIN IMMEDIATE", now;
    }
    ~WriteTransaction() {
        if (committed_) return;
        try {
            session_ << "ROLLBACK", now;
        } catch (const Poco::Exception& e) {  // the connection is discarded with the error anyway
            log::warning("store: rollback failed: " + e.displayText());
        }
    }
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit() {
        session_ << "COMMIT", now;
        committed_ = true;
    }

  private:
    Poco::Data::Session& session_;
    bool committed_ = false;
};

std::string domainName(Poco::Data::Session& session, long long domain_id) {
    Poco::Int64 id = domain_id;
    std::vector<std::string> names;
    session << "SELECT name FROM domains WHERE id = ?", use(id), into(names), now;
    if (names.empty())
        throw std::invalid_argument("no such domain (id " + std::to_string(domain_id) + ")");
    return names[0];
}

// Why `address` (canonical) cannot be in domain's list, or "".
std::string outsideDomain(const std::string& address, const std::string& domain) {
    auto at = address.rfind('@');
    if (address.compare(at + 1, std::string::npos, domain) == 0) return "";
    return "'" + log::printable(address, 100) + "' is not an address of " + domain;
}

std::string canonicalOrThrow(std::string_view text) {
    std::string why;
    auto address = canonicalMailbox(text, why);
    if (!address)
        throw std::invalid_argument("invalid address '" + log::printable(text, 100) + "': " + why);
    return *address;
}

}  // namespace

std::optional<std::string> canonicalMailbox(std::string_view text, std::string& why) {
    auto r = mail::parsePath("<" + std::string(text) + ">", false, true);
    if (!r.ok()) {
        why = r.error;
        for (std::string_view prefix : {"Bad address syntax: ", "Syntax: "})
            if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
        return std::nullopt;
    }
    if (!r.params.empty() || r.address->had_source_route) {
        why = "not a plain address";
        return std::nullopt;
    }
    if (r.address->domain_literal) {
        why = "an address literal is not a protected domain";
        return std::nullopt;
    }
    if (r.address->localPartRoutes()) {
        why = "routing characters (% ! @) in the local part";
        return std::nullopt;
    }
    return util::lowerAscii(r.address->str());
}

bool addValidAddress(Poco::Data::Session& session, long long domain_id, std::string_view address) {
    auto r = pasteValidAddresses(session, domain_id, {canonicalOrThrow(address)}, false);
    if (!r.errors.empty()) throw std::invalid_argument(r.errors.front().second);
    return r.added == 1;
}

PasteResult pasteValidAddresses(Poco::Data::Session& session, long long domain_id,
                                const std::vector<std::string>& addresses, bool replace) {
    PasteResult result;
    WriteTransaction tx(session);
    std::string domain = domainName(session, domain_id);
    Poco::Int64 id = domain_id;
    std::set<std::string> wanted;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        std::string why;
        auto canonical = canonicalMailbox(addresses[i], why);
        if (canonical && *canonical != addresses[i]) why = "not in canonical form";
        if (why.empty()) why = outsideDomain(*canonical, domain);
        if (!why.empty()) {
            result.errors.emplace_back(i, why);
            continue;
        }
        if (!wanted.insert(*canonical).second) ++result.present;
    }
    std::set<std::string> existing;
    {
        std::vector<std::string> rows;
        session << "SELECT address FROM valid_addresses WHERE domain_id = ?", use(id), into(rows),
            now;
        existing.insert(rows.begin(), rows.end());
    }
    if (replace) {
        for (const auto& old : existing) {
            if (wanted.count(old)) continue;
            std::string a = old;
            session << "DELETE FROM valid_addresses WHERE domain_id = ? AND address = ?", use(id),
                use(a), now;
            ++result.removed;
        }
    }
    Poco::Int64 created = nowSeconds();
    for (const auto& address : wanted) {
        if (existing.count(address)) {
            ++result.present;
            continue;
        }
        std::string a = address;
        session << "INSERT INTO valid_addresses (domain_id, address, created) VALUES (?, ?, ?)",
            use(id), use(a), use(created), now;
        ++result.added;
    }
    tx.commit();
    return result;
}

bool removeValidAddress(Poco::Data::Session& session, long long domain_id,
                        std::string_view address) {
    std::string a = canonicalOrThrow(address);
    Poco::Int64 id = domain_id;
    Poco::Data::Statement del(session);
    del << "DELETE FROM valid_addresses WHERE domain_id = ? AND address = ?", use(id), use(a);
    return del.execute() > 0;
}

std::vector<std::string> listValidAddresses(Poco::Data::Session& session, long long domain_id) {
    Poco::Int64 id = domain_id;
    std::vector<std::string> rows;
    session << "SELECT address FROM valid_addresses WHERE domain_id = ? ORDER BY address", use(id),
        into(rows), now;
    return rows;
}

std::size_t countValidAddresses(Poco::Data::Session& session, long long domain_id) {
    Poco::Int64 id = domain_id;
    Poco::Int64 n = 0;
    session << "SELECT COUNT(*) FROM valid_addresses WHERE domain_id = ?", use(id), into(n), now;
    return static_cast<std::size_t>(n);
}

std::vector<std::string> allValidAddresses(Poco::Data::Session& session) {
    std::vector<std::string> rows;
    session << "SELECT address FROM valid_addresses", into(rows), now;
    return rows;
}

std::vector<std::string> searchValidAddresses(Poco::Data::Session& session, long long domain_id,
                                              const std::string& like_pattern, long long limit, long long offset) {
    Poco::Int64 id = domain_id, n = limit, skip = offset;
    std::string pattern = like_pattern;
    std::vector<std::string> addresses;
    session << "SELECT address FROM valid_addresses WHERE domain_id = ? AND address LIKE '%' || ? || '%' ESCAPE '\\'"
               " ORDER BY address LIMIT ? OFFSET ?",
        use(id), use(pattern), use(n), use(skip), into(addresses), now;
    return addresses;
}

std::size_t countMatchingValidAddresses(Poco::Data::Session& session, long long domain_id,
                                        const std::string& like_pattern) {
    Poco::Int64 id = domain_id, matched = 0;
    std::string pattern = like_pattern;
    session << "SELECT COUNT(*) FROM valid_addresses WHERE domain_id = ? AND address LIKE '%' || ? || '%' ESCAPE '\\'",
        use(id), use(pattern), into(matched), now;
    return static_cast<std::size_t>(matched);
}

}  // namespace moat::store
