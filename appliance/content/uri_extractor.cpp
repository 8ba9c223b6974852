#include "content/uri_extractor.h"

#include <algorithm>
#include <cctype>

#include "content/ipv4_host.h"
#include "util/ascii_text.h"

namespace moat::content {
namespace {

// ASCII only, whatever the process' locale (and without a library call for
// every character of every text part).
bool isHostChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Characters that end a URI in running text.
bool endsUri(char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '\'' || c == '<' || c == '>' ||
           c == '`' || static_cast<unsigned char>(c) >= 0x7f;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = util::lowerAscii(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string percentDecode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        int hi = 0, lo = 0;
        if (s[i] == '%' && i + 2 < s.size() && (hi = hexValue(s[i + 1])) >= 0 &&
            (lo = hexValue(s[i + 2])) >= 0) {
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// "[.]", "(.)", "{.}" and "[dot]" as written to hide a host's dots.
std::string undisguiseDots(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto rest = s.substr(i);
        if (rest.size() >= 3 && rest[1] == '.' &&
            ((rest[0] == '[' && rest[2] == ']') || (rest[0] == '(' && rest[2] == ')') ||
             (rest[0] == '{' && rest[2] == '}'))) {
            out += '.';
            i += 2;
        } else if (rest.size() >= 5 && util::lowerAscii(rest[0]) == '[' && util::lowerAscii(rest[1]) == 'd' &&
                   util::lowerAscii(rest[2]) == 'o' && util::lowerAscii(rest[3]) == 't' && rest[4] == ']') {
            out += '.';
            i += 4;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool validHost(std::string_view host) {
    if (host.size() < 4 || host.size() > 253 || host.front() == '.' || host.front() == '-')
        return false;
    auto dot = host.rfind('.');
    if (dot == std::string_view::npos) return false;
    auto tld = host.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) {
            return std::isalpha(static_cast<unsigned char>(c));
        }))
        return false;
    std::size_t label = 0;
    for (char c : host) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if (++label > 63) {
            return false;
        }
    }
    return true;
}

// The host that starts at s (after "scheme://" or at "www."), or "".
std::string hostAt(std::string_view s) {
    // Skip user info: up to an '@' before the first '/', '?' or '#'.
    auto end = s.find_first_of("/?#");
    auto at = s.substr(0, end).rfind('@');
    if (at != std::string_view::npos) s.remove_prefix(at + 1);
    std::string host;
    for (char c : s) {
        if (!isHostChar(c) || host.size() > 253) break;
        host += util::lowerAscii(c);
    }
    while (!host.empty() && (host.back() == '.' || host.back() == '-')) host.pop_back();
    // An address in any form a browser reads becomes its dotted quad, so the
    // blocklists and the heuristics see one form (ipv4_host.h).
    if (auto address = parseIpv4Host(host)) return dottedQuad(*address);
    if (validHost(host)) return host;
    return "";
}

void add(std::vector<std::string>& hosts, std::string host, std::size_t max) {
    if (host.empty() || hosts.size() >= max) return;
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end())
        hosts.push_back(std::move(host));
}

// Length of a scheme marker at s ("http://", "hxxps://", "h**p://"), or 0.
std::size_t schemeAt(std::string_view s) {
    if (s.size() < 7 || util::lowerAscii(s[0]) != 'h') return 0;
    auto obscured = [](char c) {
        c = util::lowerAscii(c);
        return c == 't' || c == 'x' || c == '*';
    };
    if (!obscured(s[1]) || !obscured(s[2]) || util::lowerAscii(s[3]) != 'p') return 0;
    std::size_t i = 4;
    if (util::lowerAscii(s[i]) == 's') ++i;
    if (i < s.size() && s[i] == '[') ++i;  // "hxxp[:]//"
    if (i >= s.size() || s[i] != ':') return 0;
    ++i;
    if (i < s.size() && s[i] == ']') ++i;
    if (s.substr(i, 2) != "//") return 0;
    return i + 2;
}

void scan(std::string_view text, std::vector<std::string>& hosts, const UriLimits& limits,
          std::size_t depth) {
    for (std::size_t i = 0; i < text.size() && hosts.size() < limits.max_hosts; ++i) {
        // Every marker starts with an h or a w: other bytes are passed over at once.
        if (const char c = util::lowerAscii(text[i]); c != 'h' && c != 'w') continue;
        bool boundary = i == 0 || !isHostChar(text[i - 1]);
        std::size_t skip = boundary ? schemeAt(text.substr(i)) : 0;
        bool www = boundary && !skip && text.size() - i > 4 && util::lowerAscii(text[i]) == 'w' &&
                   util::lowerAscii(text[i + 1]) == 'w' && util::lowerAscii(text[i + 2]) == 'w' &&
                   text[i + 3] == '.';
        if (!skip && !www) continue;
        std::size_t end = i + skip;
        while (end < text.size() && end - i < limits.max_uri_bytes && !endsUri(text[end])) ++end;
        std::string uri = undisguiseDots(text.substr(i + skip, end - i - skip));
        add(hosts, hostAt(uri), limits.max_hosts);
        if (depth + 1 < limits.max_depth) {
            // URIs inside this one (redirectors), possibly percent-encoded.
            auto rest = uri.find_first_of("/?#");
            if (rest != std::string::npos)
                scan(percentDecode(std::string_view(uri).substr(rest)), hosts, limits, depth + 1);
        }
        i = end;
    }
}

}  // namespace

void extractUriHosts(std::string_view text, std::vector<std::string>& hosts,
                     const UriLimits& limits) {
    scan(text, hosts, limits, 0);
}

std::vector<std::string> extractUriHosts(const DecodedMessage& message, const UriLimits& limits) {
    std::vector<std::string> hosts;
    for (const auto& part : message.texts) {
        for (const auto& link : part.links) {
            // An href is a URI even without a scheme marker the scanner knows.
            std::string decoded = percentDecode(link);
            extractUriHosts(decoded, hosts, limits);
        }
        extractUriHosts(part.text, hosts, limits);
    }
    return hosts;
}

}  // namespace moat::content
