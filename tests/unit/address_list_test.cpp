// The pasted-address-list reader: every form administrators paste, as a table
// of input -> canonical addresses and unreadable items (line and reason).
#include "policy/address_list.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using moat::policy::parseAddressList;

namespace {

struct Case {
    const char* input;
    std::vector<std::string> addresses;    // canonical, in order
    std::vector<std::string> errors = {};  // "LINE: reason-substring"
};

std::string describe(const moat::policy::AddressList& r) {
    std::string s;
    for (const auto& a : r.addresses)
        s += "  ok " + std::to_string(a.line) + " " + a.address + "\n";
    for (const auto& e : r.errors)
        s += "  bad " + std::to_string(e.line) + " [" + e.text + "] " + e.reason + "\n";
    return s;
}

const std::vector<Case> kCases = {
    // Accepted forms.
    {"jane@example.com", {"jane@example.com"}},
    {"Jane@Example.COM", {"jane@example.com"}},
    {"  jane@example.com  \r\n", {"jane@example.com"}},
    {"<jane@example.com>", {"jane@example.com"}},
    {"< jane@example.com >", {"jane@example.com"}},
    {"Jane Doe <jane@example.com>", {"jane@example.com"}},
    {"Jane Doe<jane@example.com>", {"jane@example.com"}},
    {"\"Doe, Jane\" <jane@example.com>", {"jane@example.com"}},
    {"\"Doe; \\\"JD\\\" Jane\" <jane@example.com>", {"jane@example.com"}},
    {"\"Jane\" jane@example.com", {"jane@example.com"}},
    {"\"Jane\" \"Doe\" jane@example.com", {"jane@example.com"}},
    {"mailto:jane@example.com", {"jane@example.com"}},
    {"MAILTO:Jane@example.com?subject=hello", {"jane@example.com"}},
    {"<mailto:jane@example.com>", {"jane@example.com"}},
    {"jane@example.com (Jane Doe)", {"jane@example.com"}},
    {"(work (main)) jane@example.com", {"jane@example.com"}},
    {"\"jane doe\"@example.com", {"\"jane doe\"@example.com"}},
    {"<\"Jane Doe\"@example.com>", {"\"jane doe\"@example.com"}},
    {"a#b@example.com", {"a#b@example.com"}},
    {"\xEF\xBB\xBFjane@example.com", {"jane@example.com"}},
    // Separators, blank lines and comments.
    {"a@example.com, b@example.com; c@example.com\n\n d@example.com",
     {"a@example.com", "b@example.com", "c@example.com", "d@example.com"}},
    {"a@example.com,,;\n,", {"a@example.com"}},
    {"# the sales team\na@example.com # Anna\n\n   # more\nb@example.com",
     {"a@example.com", "b@example.com"}},
    {"\"Doe, Jane\" <jane@example.com>, \"Roe; Rick\" <rick@example.com>",
     {"jane@example.com", "rick@example.com"}},
    {"a@example.com\r\nb@example.com\r\n", {"a@example.com", "b@example.com"}},
    {"", {}},
    {"\n\n\n", {}},
    {"(just a comment)", {}},
    // Unreadable items: reported with their line, the rest still read.
    {"jane", {}, {"1: no '@'"}},
    {"Doe, Jane <jane@example.com>", {"jane@example.com"}, {"1: no '@'"}},
    {"Jane Doe", {}, {"1: no address"}},
    {"Jane Doe jane@example.com", {}, {"1: needs quotes"}},
    {"\"Jane\"", {}, {"1: a name but no address"}},
    {"<jane@example.com> extra", {}, {"1: text after"}},
    {"<a@example.com> <b@example.com>", {}, {"1: more than one"}},
    {"<>", {}, {"1: empty <>"}},
    {"<jane@example.com\nb@example.com", {"b@example.com"}, {"1: missing '>'"}},
    {"\"Doe, Jane <jane@example.com>\nb@example.com",
     {"b@example.com"},
     {"1: unterminated quoted"}},
    {"a@example.com\n(comment\nb@example.com",
     {"a@example.com", "b@example.com"},
     {"2: unterminated comment"}},
    {"jane@example.com>", {}, {"1: '>' without '<'"}},
    {"jane@example.com)", {}, {"1: ')' without '('"}},
    {"<a<b@example.com>", {}, {"1: '<' inside"}},
    {"a@example.com\nb@@example.com\nc@example.com", {"a@example.com", "c@example.com"}, {"2: "}},
    {"jane@example..com", {}, {"1: "}},
    {"jane@[192.0.2.1]", {}, {"1: address literal"}},
    {"a%b@example.com", {}, {"1: routing"}},
    {"mailto:", {}, {"1: no '@'"}},
    {"<mailto:>", {}, {"1: empty mailto"}},
    {"<mailto:?subject=x>", {}, {"1: empty mailto"}},
    {"a\x01@example.com", {}, {"1: control character"}},
    {"((((((((((x))))))))) a@example.com", {}, {"1: nested too deeply"}},
    {"x@example.com, y, z@example.com", {"x@example.com", "z@example.com"}, {"1: no '@'"}},
};

TEST(AddressList, Table) {
    for (const auto& c : kCases) {
        auto r = parseAddressList(c.input);
        SCOPED_TRACE(std::string("input: ") + c.input + "\n" + describe(r));
        std::vector<std::string> got;
        for (const auto& a : r.addresses) got.push_back(a.address);
        EXPECT_EQ(got, c.addresses);
        ASSERT_EQ(r.errors.size(), c.errors.size());
        for (std::size_t i = 0; i < c.errors.size(); ++i) {
            std::string want = c.errors[i];
            auto colon = want.find(": ");
            EXPECT_EQ(std::to_string(r.errors[i].line), want.substr(0, colon));
            EXPECT_NE(r.errors[i].reason.find(want.substr(colon + 2)), std::string::npos)
                << r.errors[i].reason;
            EXPECT_FALSE(r.errors[i].reason.empty());
        }
    }
}

TEST(AddressList, LinesAndShownText) {
    auto r = parseAddressList("a@example.com\n\n  bad item here  \n\"Jane\" <j@example.com>");
    ASSERT_EQ(r.addresses.size(), 2u);
    EXPECT_EQ(r.addresses[0].line, 1u);
    EXPECT_EQ(r.addresses[1].line, 4u);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].line, 3u);
    EXPECT_EQ(r.errors[0].text, "bad item here");
}

TEST(AddressList, OverlongItemIsRefused) {
    std::string item = std::string(moat::policy::kMaxAddressListItem, 'a') + "@example.com";
    auto r = parseAddressList(item + "\nb@example.com");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].reason.find("longer than"), std::string::npos);
    EXPECT_LE(r.errors[0].text.size(), 100u);
    ASSERT_EQ(r.addresses.size(), 1u);
}

}  // namespace
