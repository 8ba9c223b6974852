// HashGate: at most `slots` turns at once, a caller without a turn within its
// wait is refused, and a waiting `first` caller (a login from the maintenance
// networks) gets the next free turn before `normal` callers that waited longer.
#include "web/hash_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace moat::web;
using namespace std::chrono_literals;

TEST(HashGate, AtMostSlotsTurnsAndRefusalAfterTheWait) {
    HashGate gate(2);
    EXPECT_TRUE(gate.acquire(HashPriority::normal, 10ms));
    EXPECT_TRUE(gate.acquire(HashPriority::normal, 10ms));
    EXPECT_FALSE(gate.acquire(HashPriority::normal, 50ms));
    EXPECT_FALSE(gate.acquire(HashPriority::first, 50ms));
    gate.release();
    EXPECT_TRUE(gate.acquire(HashPriority::normal, 10ms));
    gate.release();
    gate.release();
}

TEST(HashGate, FirstCallerOvertakesNormalOnesThatWaitedLonger) {
    HashGate gate(2);
    ASSERT_TRUE(gate.acquire(HashPriority::normal, 10ms));
    ASSERT_TRUE(gate.acquire(HashPriority::normal, 10ms));
    std::atomic<bool> normal_got{false}, first_got{false};
    std::thread normal([&] { normal_got = gate.acquire(HashPriority::normal, 5s); });
    std::this_thread::sleep_for(100ms);  // the normal caller waits first
    std::thread first([&] { first_got = gate.acquire(HashPriority::first, 5s); });
    std::this_thread::sleep_for(100ms);
    gate.release();  // one turn frees: it goes to the first caller
    first.join();
    EXPECT_TRUE(first_got);
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(normal_got) << "the normal caller took the turn meant for the first one";
    gate.release();  // the next one goes to the normal caller
    normal.join();
    EXPECT_TRUE(normal_got);
    gate.release();
    gate.release();
}

TEST(HashGate, TurnReleasesOnlyWhatItHolds) {
    HashGate gate(1);
    {
        HashGate::Turn held(gate, HashPriority::normal, 10ms);
        EXPECT_TRUE(held.held());
        HashGate::Turn refused(gate, HashPriority::first, 20ms);
        EXPECT_FALSE(refused.held());
    }
    HashGate::Turn again(gate, HashPriority::normal, 10ms);
    EXPECT_TRUE(again.held());
}
