// DSNs per RFC 3464: the remote's own words under "smtp;", ours under
// "x-moat;", Remote-MTA without a port and only when a remote answered.
#include "queue/dsn.h"

#include <gtest/gtest.h>

using moat::mail::reply;
using moat::queue::buildDsn;
using moat::queue::FailedRecipient;

namespace {

moat::mail::Envelope original() {
    moat::mail::Envelope env;
    env.id = "3AAAAAAAAAAAAAAA";
    env.sender = "alice@example.org";
    env.recipients = {"bob@remote.example"};
    env.created = 1796233317;
    return env;
}

std::string field(const std::string& dsn, const std::string& name) {
    auto at = dsn.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    at += name.size() + 4;
    return dsn.substr(at, dsn.find("\r\n", at) - at);
}

}  // namespace

TEST(Dsn, RemoteRefusalQuotesTheRemoteWithItsEnhancedCode) {
    FailedRecipient f{"bob@remote.example",
                      reply(550, "5.1.1", "<bob@remote.example>: user unknown"),
                      "192.0.2.7",
                      {},
                      {}};
    auto dsn = buildDsn("gw.example", original(), {f}, "Subject: hi\r\n", 1796233400);
    EXPECT_EQ(field(dsn, "Status"), "5.1.1");
    EXPECT_EQ(field(dsn, "Remote-MTA"), "dns; 192.0.2.7");
    EXPECT_EQ(field(dsn, "Diagnostic-Code"), "smtp; 550 5.1.1 <bob@remote.example>: user unknown");
}

TEST(Dsn, ExpiryIsOursAndQuotesTheRemotesLastWordsAsGiven) {
    FailedRecipient f{"bob@remote.example", reply(451, "4.7.1", "greylisted, try later"),
                      "192.0.2.7", "4.4.7", "delivery time expired after 120 hours"};
    auto dsn = buildDsn("gw.example", original(), {f}, "Subject: hi\r\n", 1796233400);
    EXPECT_EQ(field(dsn, "Status"), "4.4.7");
    EXPECT_EQ(field(dsn, "Remote-MTA"), "dns; 192.0.2.7");
    EXPECT_EQ(field(dsn, "Diagnostic-Code"), "smtp; 451 4.7.1 greylisted, try later");
    EXPECT_EQ(dsn.find("550 4.4.7"), std::string::npos)
        << "no made-up reply attributed to the remote";
    EXPECT_NE(
        dsn.find(
            "delivery time expired after 120 hours; last error: host 192.0.2.7 said: 451 4.7.1"),
        std::string::npos);
}

TEST(Dsn, LocalReasonsAreNotLabelledSmtp) {
    FailedRecipient f{"bob@remote.example",
                      reply(451, "4.4.1", "connect to 192.0.2.7:25 failed: Connection refused"), "",
                      "4.4.7", "delivery time expired after 120 hours"};
    auto dsn = buildDsn("gw.example", original(), {f}, "Subject: hi\r\n", 1796233400);
    EXPECT_EQ(field(dsn, "Status"), "4.4.7");
    EXPECT_EQ(field(dsn, "Remote-MTA"), "");
    EXPECT_EQ(field(dsn, "Diagnostic-Code")
                  .rfind("x-moat; delivery time expired after 120 hours; connect to", 0),
              0u)
        << field(dsn, "Diagnostic-Code");
}
