// Parsers for what the console reads from the wire besides JSON: percent-
// decoding, the query string and the Cookie header. Strict where a wrong
// answer would matter: a malformed %-escape or a decoded NUL byte makes the
// input invalid (the server answers 400) rather than being guessed at.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace moat::web {

// Decodes %XX escapes; with plus_is_space (query strings) '+' becomes ' '.
// nullopt when an escape is malformed or the result contains a NUL byte.
std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y&flag" -> {a: "1", b: "x y", flag: ""}; the last of repeated
// names wins; empty pieces are skipped. nullopt when any piece is malformed.
std::optional<std::map<std::string, std::string>> parseQuery(std::string_view query);

// "a=1; b=2" -> {a: "1", b: "2"} (RFC 6265 cookie-string; values are not
// decoded, surrounding double quotes are removed; the first of repeated names
// wins, as browsers send the most specific cookie first). Malformed pairs are
// skipped: a cookie header is advisory, and the session lookup decides.
std::map<std::string, std::string> parseCookies(std::string_view header);

}  // namespace moat::web
