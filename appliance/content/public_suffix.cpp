#include "content/public_suffix.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "util/ascii_text.h"

namespace moat::content {
namespace {

bool validRule(std::string_view rule) {
    if (rule.empty() || rule.size() > 253 || rule.front() == '.' || rule.back() == '.')
        return false;
    return rule.find("..") == std::string_view::npos;
}

}  // namespace

PublicSuffixList PublicSuffixList::parse(std::string_view text) {
    PublicSuffixList list;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.size() > kMaxLine) continue;
        auto end = line.find_first_of(" \t\r");
        std::string_view rule = line.substr(0, end);
        if (rule.empty() || rule.substr(0, 2) == "//") continue;
        if (list.size() >= kMaxRules) break;
        if (rule.front() == '!') {
            rule.remove_prefix(1);
            if (validRule(rule) && rule.find('*') == std::string_view::npos)
                list.exceptions_.insert(util::lowerAscii(rule));
        } else if (rule.substr(0, 2) == "*.") {
            rule.remove_prefix(2);
            if (validRule(rule) && rule.find('*') == std::string_view::npos)
                list.wildcards_.insert(util::lowerAscii(rule));
        } else if (validRule(rule) && rule.find('*') == std::string_view::npos) {
            list.rules_.insert(util::lowerAscii(rule));
        }
    }
    return list;
}

const PublicSuffixList& PublicSuffixList::system() {
    static const PublicSuffixList list = [] {
        std::ifstream in{std::string(kPublicSuffixFile)};
        std::ostringstream text;
        if (in) text << in.rdbuf();
        return parse(text.str());
    }();
    return list;
}

std::string PublicSuffixList::registeredDomain(std::string_view host) const {
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.' ||
        host.find("..") != std::string_view::npos)
        return "";
    std::string name = util::lowerAscii(host);
    std::vector<std::size_t> starts{0};  // where each label begins
    for (std::size_t i = 0; i < name.size(); ++i)
        if (name[i] == '.') starts.push_back(i + 1);
    const std::size_t labels = starts.size();
    std::size_t suffix_labels = 1;  // the default rule "*"
    bool exception = false;
    for (std::size_t i = 0; i < labels && !exception; ++i) {
        std::string_view candidate = std::string_view(name).substr(starts[i]);
        std::size_t n = labels - i;
        if (exceptions_.count(std::string(candidate))) {
            suffix_labels = n - 1;  // an exception's suffix is the rule without its first label
            exception = true;
        } else if (rules_.count(std::string(candidate)) && n > suffix_labels) {
            suffix_labels = n;
        } else if (i + 1 < labels &&
                   wildcards_.count(std::string(std::string_view(name).substr(starts[i + 1]))) &&
                   n > suffix_labels) {
            suffix_labels = n;
        }
    }
    if (suffix_labels >= labels) return "";
    return name.substr(starts[labels - suffix_labels - 1]);
}

}  // namespace moat::content
