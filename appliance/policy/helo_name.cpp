#include "policy/helo_name.h"

#include "net/cidr.h"
#include "util/ascii_text.h"

namespace moat::policy {
namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;

HeloName invalid(std::string problem) {
    return {HeloName::Kind::invalid, "", std::move(problem)};
}

bool letterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

HeloName literal(std::string_view inside) {
    bool v6 = inside.size() > 5;
    for (std::size_t i = 0; v6 && i < 5; ++i) {
        char c = inside[i];
        v6 = (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) ==
             "ipv6:"[i];  // tags ignore case
    }
    if (v6) inside.remove_prefix(5);
    auto ip = net::parseIp(inside);
    if (!ip || (ip->family() == Poco::Net::IPAddress::IPv6) != v6)
        return invalid("is not a valid address literal");
    return {HeloName::Kind::address, net::canonicalIp(*ip), ""};
}

}  // namespace

HeloName parseHeloName(std::string_view text) {
    if (text.empty()) return invalid("is empty");
    if (text.front() == '[') {
        if (text.size() < 3 || text.back() != ']') return invalid("is not a valid address literal");
        return literal(text.substr(1, text.size() - 2));
    }
    if (text.back() == '.') text.remove_suffix(1);
    if (text.empty() || text.size() > kMaxName) return invalid("is not a valid host name");
    std::string name;
    name.reserve(text.size());
    std::size_t labels = 0, start = 0;
    bool numeric_last = false;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '.') {
            std::string_view label = std::string_view(name).substr(start);
            if (label.empty() || label.size() > kMaxLabel)
                return invalid("is not a valid host name");
            if (label.front() == '-' || label.back() == '-')
                return invalid("has a label that starts or ends with '-'");
            numeric_last = label.find_first_not_of("0123456789") == std::string_view::npos;
            ++labels;
            if (i < text.size()) name += '.';
            start = name.size();
            continue;
        }
        char c = util::lowerAscii(text[i]);
        if (!letterOrDigit(c) && c != '-' && c != '_')
            return invalid("contains characters not allowed in a host name");
        name += c;
    }
    if (numeric_last) {
        if (net::parseIp(text))
            return invalid("is an IP address without the brackets of an address literal");
        return invalid("has a numeric top-level label");
    }
    if (labels < 2) return invalid("is not a fully qualified domain name");
    if (name.substr(name.rfind('.') + 1).find('_') != std::string::npos)
        return invalid("has a '_' in its top-level label");
    return {HeloName::Kind::name, std::move(name), ""};
}

}  // namespace moat::policy
