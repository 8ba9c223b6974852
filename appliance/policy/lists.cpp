#include "policy/lists.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>

#include "net/cidr.h"
#include "util/ascii_text.h"
#include "util/log.h"

namespace moat::policy {
namespace {

enum ListId : std::size_t { kAllow = 0, kDeny = 1, kPassthrough = 2, kException = 3, kListCount };

std::optional<ListId> listId(std::string_view list) {
    if (list == "allow") return kAllow;
    if (list == "deny") return kDeny;
    if (list == "passthrough") return kPassthrough;
    if (list == "exception") return kException;
    return std::nullopt;
}

// The entries one value has, one per list.
using Slot = std::array<const store::ListEntry*, kListCount>;

// deny before allow: the tie rule.
const store::ListEntry* allowOrDeny(const Slot& slot) {
    return slot[kDeny] ? slot[kDeny] : slot[kAllow];
}

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// A domain's entries: `self` match the name itself, `below` (subdomains)
// match every name under it.
struct DomainSlots {
    Slot self{};
    Slot below{};
};

// An address or network as two 64-bit halves; IPv4 sits in the low 32 bits.
struct NetKey {
    std::uint64_t hi = 0, lo = 0;
    bool operator==(const NetKey&) const = default;
};
struct NetKeyHash {
    std::size_t operator()(const NetKey& k) const noexcept {
        return std::hash<std::uint64_t>{}(k.hi * 0x9E3779B97F4A7C15ULL ^ k.lo);
    }
};

std::uint64_t bigEndian(const std::uint8_t* bytes, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | bytes[i];
    return v;
}

// The address as (is IPv4, key); IPv4-mapped IPv6 counts as IPv4, as in net::Cidr.
std::pair<bool, NetKey> netKey(const Poco::Net::IPAddress& address) {
    const auto* b = static_cast<const std::uint8_t*>(address.addr());
    if (address.family() == Poco::Net::IPAddress::IPv4) return {true, {0, bigEndian(b, 4)}};
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, kMapped, sizeof kMapped) == 0) return {true, {0, bigEndian(b + 12, 4)}};
    return {false, {bigEndian(b, 8), bigEndian(b + 8, 8)}};
}

std::uint64_t highBits(unsigned n) {  // the top n of 64 bits set
    return n == 0 ? 0 : n >= 64 ? ~std::uint64_t{0} : ~std::uint64_t{0} << (64 - n);
}

NetKey masked(bool v4, NetKey k, unsigned prefix) {
    if (v4) return {0, k.lo & (highBits(prefix) >> 32)};
    return {k.hi & highBits(prefix), k.lo & highBits(prefix > 64 ? prefix - 64 : 0)};
}

// Client networks, one hash map per prefix length present, longest first:
// a lookup costs one probe per distinct prefix length.
class NetTable {
  public:
    void add(const store::ListEntry& e, ListId list) {
        auto slash = e.value.find('/');
        auto cidr = net::Cidr::parse(e.value);
        auto ip = net::parseIp(std::string_view(e.value).substr(0, slash));
        if (!cidr || !ip) {
            log::warning("lists: ignoring entry " + std::to_string(e.id) + " with bad network '" +
                         log::printable(e.value, 100) + "'");
            return;
        }
        auto [v4, key] = netKey(*ip);
        unsigned prefix = cidr->prefixLength();
        auto& levels = v4 ? v4_ : v6_;
        auto level = std::find_if(levels.begin(), levels.end(),
                                  [&](const Level& l) { return l.prefix <= prefix; });
        if (level == levels.end() || level->prefix != prefix)
            level = levels.insert(level, {prefix, {}});
        Slot& slot = level->nets[masked(v4, key, prefix)];
        if (!slot[list]) slot[list] = &e;
    }

    // The slot of the longest network holding the client that `wanted` accepts.
    template <typename Pred>
    const Slot* longest(bool v4, NetKey key, Pred wanted) const {
        for (const auto& level : v4 ? v4_ : v6_) {
            auto it = level.nets.find(masked(v4, key, level.prefix));
            if (it != level.nets.end() && wanted(it->second)) return &it->second;
        }
        return nullptr;
    }

  private:
    struct Level {
        unsigned prefix;
        std::unordered_map<NetKey, Slot, NetKeyHash> nets;
    };
    std::vector<Level> v4_, v6_;  // by prefix, longest first
};

// The entries of one scope (a domain, or global), indexed by value. The list
// keeps kinds apart: addresses hold senders (allow/deny) and recipients
// (passthrough); domains hold sender domains (allow/deny) and exception domains.
struct Scope {
    StringMap<Slot> addresses;  // lower-cased "local@domain"
    StringMap<DomainSlots> domains;
    NetTable networks;

    // The most specific domain entry for `name` (lower case) that `wanted` accepts.
    template <typename Pred>
    const Slot* domain(std::string_view name, Pred wanted) const {
        if (name.empty()) return nullptr;
        if (auto it = domains.find(name); it != domains.end() && wanted(it->second.self))
            return &it->second.self;
        for (auto dot = name.find('.'); dot != std::string_view::npos;
             dot = name.find('.', dot + 1)) {
            auto it = domains.find(name.substr(dot + 1));
            if (it != domains.end() && wanted(it->second.below)) return &it->second.below;
        }
        return nullptr;
    }
};

ListMatch toMatch(const store::ListEntry& e) {
    return {e.id, e.domain_id, e.list, e.kind, e.value, e.subdomains, e.note};
}

std::string hostName(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return util::lowerAscii(name);
}

}  // namespace

struct ListSet::Index {
    std::unordered_map<long long, Scope> scopes;  // domain id -> scope; 0 = global

    // The domain's scope (if it has entries), then the global one.
    std::array<const Scope*, 2> chain(long long domain_id) const {
        std::array<const Scope*, 2> out{};
        std::size_t n = 0;
        if (domain_id != 0)
            if (auto it = scopes.find(domain_id); it != scopes.end()) out[n++] = &it->second;
        if (auto it = scopes.find(0); it != scopes.end()) out[n++] = &it->second;
        return out;
    }
};

std::string ListMatch::describe() const {
    return list + " " + kind + " " + (subdomains ? "*." : "") + value + " (list entry " +
           std::to_string(id) + (global() ? ", global)" : ")");
}

ListSet::ListSet(std::vector<store::ListEntry> entries) : entries_(std::move(entries)) {
    auto index = std::make_unique<Index>();
    for (const auto& e : entries_) {
        auto list = listId(e.list);
        if (!list) {
            log::warning("lists: ignoring entry " + std::to_string(e.id) + " on unknown list '" +
                         log::printable(e.list, 40) + "'");
            continue;
        }
        Scope& scope = index->scopes[e.domain_id];
        if (e.kind == "sender" || e.kind == "recipient") {
            Slot& slot = scope.addresses[util::lowerAscii(e.value)];
            if (!slot[*list]) slot[*list] = &e;
        } else if (e.kind == "sender_domain" || e.kind == "domain") {
            DomainSlots& slots = scope.domains[hostName(e.value)];
            if (!slots.self[*list]) slots.self[*list] = &e;
            if (e.subdomains && !slots.below[*list]) slots.below[*list] = &e;
        } else if (e.kind == "client") {
            scope.networks.add(e, *list);
        } else {
            log::warning("lists: ignoring entry " + std::to_string(e.id) + " of unknown kind '" +
                         log::printable(e.kind, 40) + "'");
        }
    }
    index_ = std::move(index);
}

ListSet::~ListSet() = default;

std::shared_ptr<const ListSet> ListSet::build(std::vector<store::ListEntry> entries) {
    return std::make_shared<const ListSet>(std::move(entries));
}

std::shared_ptr<const ListSet> ListSet::load(Poco::Data::Session& session) {
    return build(store::listListEntries(session));
}

std::optional<ListMatch> ListSet::senderList(long long domain_id,
                                             const Poco::Net::IPAddress& client,
                                             std::string_view sender) const {
    auto has = [](const Slot& s) { return s[kAllow] || s[kDeny]; };
    std::string address = util::lowerAscii(sender);
    auto at = address.rfind('@');
    std::string_view domain =
        at == std::string::npos ? std::string_view() : std::string_view(address).substr(at + 1);
    auto [v4, key] = netKey(client);
    for (const Scope* scope : index_->chain(domain_id)) {
        if (!scope) break;
        if (!address.empty())
            if (auto it = scope->addresses.find(address);
                it != scope->addresses.end() && has(it->second))
                return toMatch(*allowOrDeny(it->second));
        if (const Slot* slot = scope->domain(domain, has)) return toMatch(*allowOrDeny(*slot));
        if (const Slot* slot = scope->networks.longest(v4, key, has))
            return toMatch(*allowOrDeny(*slot));
    }
    return std::nullopt;
}

std::optional<ListMatch> ListSet::passthrough(long long domain_id,
                                              std::string_view recipient) const {
    std::string address = util::lowerAscii(recipient);
    for (const Scope* scope : index_->chain(domain_id)) {
        if (!scope) break;
        if (auto it = scope->addresses.find(address);
            it != scope->addresses.end() && it->second[kPassthrough])
            return toMatch(*it->second[kPassthrough]);
    }
    return std::nullopt;
}

std::optional<ListMatch> ListSet::exception(long long domain_id, const Poco::Net::IPAddress& client,
                                            std::string_view client_name,
                                            std::string_view sender_domain) const {
    auto has = [](const Slot& s) { return s[kException] != nullptr; };
    auto [v4, key] = netKey(client);
    std::string name = hostName(client_name);
    std::string from = hostName(sender_domain);
    for (const Scope* scope : index_->chain(domain_id)) {
        if (!scope) break;
        if (const Slot* slot = scope->networks.longest(v4, key, has))
            return toMatch(*(*slot)[kException]);
        if (const Slot* slot = scope->domain(name, has)) return toMatch(*(*slot)[kException]);
        if (const Slot* slot = scope->domain(from, has)) return toMatch(*(*slot)[kException]);
    }
    return std::nullopt;
}

void ListHits::record(long long entry_id, long long ts) {
    std::lock_guard lock(mutex_);
    auto& [count, last] = pending_[entry_id];
    ++count;
    last = std::max(last, ts);
}

std::vector<std::tuple<long long, long long, long long>> ListHits::drain() {
    std::unordered_map<long long, std::pair<long long, long long>> taken;
    {
        std::lock_guard lock(mutex_);
        taken.swap(pending_);
    }
    std::vector<std::tuple<long long, long long, long long>> out;
    out.reserve(taken.size());
    for (const auto& [id, hit] : taken) out.emplace_back(id, hit.first, hit.second);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace moat::policy
