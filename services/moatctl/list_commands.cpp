#include "list_commands.h"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "store/domains.h"
#include "store/list_entries.h"
#include "util/log.h"
#include "util/time_text.h"

namespace moat::moatctl {
namespace {

// The short names the issue tracker and older habits use.
std::string listName(std::string_view list) {
    if (list == "pass") return "passthrough";
    if (list == "except") return "exception";
    return std::string(list);
}

// The scope named by --domain: the domain, or the global lists (id 0) without it.
store::Domain scopeOf(Poco::Data::Session& session, const std::optional<std::string>& domain) {
    if (!domain) return {};
    auto d = store::findDomain(session, *domain);
    if (!d) throw std::invalid_argument("no such domain: " + log::printable(*domain, 100));
    return *d;
}

std::string shownValue(const store::ListEntry& e) {
    return (e.subdomains ? "*." : "") + log::printable(e.value);
}

}  // namespace

int listAdd(Poco::Data::Session& session, std::string_view list, std::string_view kind,
            std::string_view value, const std::optional<std::string>& domain, std::string_view note,
            bool subdomains) {
    auto scope = scopeOf(session, domain);
    auto e = store::addListEntry(session, scope.id, listName(list), kind, value, subdomains, note);
    std::cout << "added " << e.list << " " << e.kind << " " << shownValue(e) << " (entry " << e.id
              << ", " << (scope.id ? scope.name : "global") << ")\n";
    return 0;
}

int listPaste(Poco::Data::Session& session, std::string_view list, std::string_view kind,
              const std::optional<std::string>& domain, std::string_view note, std::istream& in) {
    long long id = scopeOf(session, domain).id;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
    if (in.bad()) throw std::runtime_error("error reading stdin");
    std::vector<std::string> errors;
    auto added = store::addListEntries(session, id, listName(list), kind, lines, note, errors);
    for (const auto& e : errors) std::cerr << "moatctl: " << e << "\n";
    std::cout << added << (added == 1 ? " entry" : " entries") << " added";
    if (!errors.empty())
        std::cout << ", " << errors.size() << (errors.size() == 1 ? " bad line" : " bad lines")
                  << " skipped";
    std::cout << "\n";
    return errors.empty() ? 0 : 1;
}

int listShow(Poco::Data::Session& session, std::string_view list,
             const std::optional<std::string>& domain, bool global_only) {
    std::optional<long long> scope;
    if (domain) scope = scopeOf(session, domain).id;
    if (global_only) scope = 0;
    auto entries = store::listListEntries(session, scope, list.empty() ? "" : listName(list));
    std::unordered_map<long long, std::string> names;
    for (const auto& d : store::listDomains(session)) names[d.id] = d.name;

    struct Row {
        std::string id, list, kind, value, scope, hits, last, note;
    };
    std::vector<Row> rows;
    rows.push_back({"ID", "LIST", "KIND", "VALUE", "SCOPE", "HITS", "LAST-HIT", "NOTE"});
    for (const auto& e : entries) {
        auto name = names.find(e.domain_id);
        rows.push_back({std::to_string(e.id), e.list, e.kind, shownValue(e),
                        e.domain_id == 0      ? "global"
                        : name != names.end() ? name->second
                                              : "domain " + std::to_string(e.domain_id),
                        std::to_string(e.hits), util::localTimeText(e.last_hit), log::printable(e.note)});
    }
    std::size_t w[7] = {};
    for (const auto& r : rows) {
        const std::string* cells[7] = {&r.id,    &r.list, &r.kind, &r.value,
                                       &r.scope, &r.hits, &r.last};
        for (int i = 0; i < 7; ++i) w[i] = std::max(w[i], cells[i]->size());
    }
    for (const auto& r : rows) {
        std::ostringstream line;
        line << std::right << std::setw(static_cast<int>(w[0])) << r.id << "  " << std::left
             << std::setw(static_cast<int>(w[1])) << r.list << "  "
             << std::setw(static_cast<int>(w[2])) << r.kind << "  "
             << std::setw(static_cast<int>(w[3])) << r.value << "  "
             << std::setw(static_cast<int>(w[4])) << r.scope << "  " << std::right
             << std::setw(static_cast<int>(w[5])) << r.hits << "  " << std::left
             << std::setw(static_cast<int>(w[6])) << r.last;
        if (!r.note.empty()) line << "  " << r.note;
        std::string text = line.str();
        text.erase(text.find_last_not_of(' ') + 1);
        std::cout << text << "\n";
    }
    return 0;
}

int listRemove(Poco::Data::Session& session, const std::vector<std::string>& ids) {
    int rc = 0;
    for (const auto& text : ids) {
        long long id = 0;
        bool numeric = !text.empty() && text.size() <= 18;
        for (char c : text) numeric = numeric && c >= '0' && c <= '9';
        if (numeric) id = std::stoll(text);
        if (!numeric || id == 0) {
            std::cerr << "moatctl: invalid list entry id '" << log::printable(text, 60) << "'\n";
            rc = 1;
        } else if (!store::removeListEntry(session, id)) {
            std::cerr << "moatctl: no list entry " << id << "\n";
            rc = 1;
        } else {
            std::cout << "removed list entry " << id << "\n";
        }
    }
    return rc;
}

}  // namespace moat::moatctl
