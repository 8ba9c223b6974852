#include "mail/outcome.h"

#include <gtest/gtest.h>

using namespace moat::mail;

TEST(Outcome, TableIsInEnumOrderAndNamesRoundTrip) {
    for (std::size_t i = 0; i < kOutcomes.size(); ++i) {
        EXPECT_EQ(static_cast<std::size_t>(kOutcomes[i].outcome), i);
        EXPECT_EQ(parseOutcome(kOutcomes[i].name), kOutcomes[i].outcome);
    }
    EXPECT_FALSE(parseOutcome("Accepted"));
    EXPECT_FALSE(parseOutcome(""));
    EXPECT_EQ(name(Outcome::tempfailed), "tempfailed");
}

TEST(Outcome, NamesForMessages) {
    EXPECT_EQ(outcomeNames([](const OutcomeInfo& i) { return i.archived; }),
              "accepted, tagged, rejected or virus");
    EXPECT_EQ(outcomeNames([](const OutcomeInfo&) { return true; }),
              "accepted, tagged, rejected, tempfailed, virus, learnt or aborted");
}
