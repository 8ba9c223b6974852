// Issue 11 finding 7: ambiguous body framing is refused (table-driven).
#include <gtest/gtest.h>

#include "web/http.h"
#include "web/request_framing.h"

namespace {

struct Case {
    moat::web::HeaderList headers;
    bool refused;
};

TEST(WebRequestFraming, Table) {
    const Case cases[] = {
        {{{"Host", "x"}}, false},
        {{{"Content-Length", "12"}}, false},
        {{{"Transfer-Encoding", "chunked"}}, false},
        {{{"transfer-encoding", " Chunked "}}, false},
        {{{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}, true},
        {{{"Transfer-Encoding", "chunked"}, {"content-length", "5"}}, true},
        {{{"Content-Length", "5"}, {"Content-Length", "6"}}, true},
        {{{"Content-Length", "5"}, {"Content-Length", "5"}}, true},
        {{{"Content-Length", "5, 5"}}, true},
        {{{"Content-Length", "-1"}}, true},
        {{{"Content-Length", ""}}, true},
        {{{"Content-Length", "99999999999999999999"}}, true},
        {{{"Transfer-Encoding ", "chunked"}}, true},
        {{{"Transfer-Encoding", "gzip, chunked"}}, true},
        {{{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}, true},
        {{{"X-Folded", "a\r\n b"}}, true},
        {{{" X-Folded", "b"}}, true},
        {{{"", "b"}}, true},
        {{{"X\x01", "b"}}, true},
        {{{"X-Nul", std::string_view("a\0b", 3)}}, true},
    };
    int i = 0;
    for (const auto& c : cases) {
        EXPECT_EQ(moat::web::framingProblem(c.headers).has_value(), c.refused) << "case " << i;
        ++i;
    }
}

// Issue 11 finding 8: "domain_id": 18446744073709551618 was read as 2.
TEST(WebJsonIntegers, OutOfRangeIsRefused) {
    using moat::web::jsonIntegersInRange;
    EXPECT_TRUE(jsonIntegersInRange(R"({"a": 9223372036854775807, "b": -9223372036854775808})"));
    EXPECT_TRUE(jsonIntegersInRange(R"({"a": 1.8446744073709551618e19, "s": "18446744073709551618"})"));
    EXPECT_TRUE(jsonIntegersInRange(R"({"s": "\"18446744073709551618", "n": 0001})"));
    EXPECT_FALSE(jsonIntegersInRange(R"({"domain_id": 18446744073709551618})"));
    EXPECT_FALSE(jsonIntegersInRange(R"({"a": 9223372036854775808})"));
    EXPECT_FALSE(jsonIntegersInRange(R"({"a": -9223372036854775809})"));
    EXPECT_FALSE(jsonIntegersInRange(R"([1, 2, 99999999999999999999999])"));
    moat::web::Request r;
    r.body = R"({"domain_id": 18446744073709551618})";
    try {
        r.jsonBody();
        FAIL() << "accepted";
    } catch (const moat::web::HttpError& e) {
        EXPECT_EQ(e.status(), 422);
    }
}

}  // namespace
