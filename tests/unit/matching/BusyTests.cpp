// SPDX-License-Identifier: GPL-2.0-or-later
// Busy state and waitQuiet: a busy service makes its provider chain busy, and
// links made or broken while busy keep the counts balanced. Reference: DESIGN
// §3 (busy state and waitQuiet); spec 02 §1.3 (kIOBusyInterest).
#include "TestDrivers.h"

using namespace iolab::test;

namespace {
class Busy : public RuntimeTest {};
} // namespace

// Busy goes up the provider chain and comes back down; waitQuiet times out meanwhile.
TEST_F(Busy, BusyPropagatesUpTheChain)
{
    auto nub = makeNub<TestNub>(platform(), "nub", "1", nullptr, false);
    auto child = makeNub<TestChildNub>(nub.get(), "child", "0", nullptr, false);
    child->adjustBusy(1);
    EXPECT_EQ(child->getBusyState(), 1u);
    EXPECT_EQ(nub->getBusyState(), 1u);
    EXPECT_GE(platform()->getBusyState(), 1u);
    EXPECT_EQ(runtime->waitQuiet(1'000'000), kIOReturnTimeout);
    child->adjustBusy(1);
    EXPECT_EQ(child->getBusyState(), 2u);
    EXPECT_EQ(nub->getBusyState(), 1u) << "only crossing zero reaches the provider";
    child->adjustBusy(-2);
    EXPECT_EQ(nub->getBusyState(), 0u);
    EXPECT_TRUE(quiet());
}

// A client that is busy while it gains a second provider lends its busy count
// to one provider only, and takes it back: nothing stays busy.
TEST_F(Busy, BusyClientWithTwoProviders)
{
    auto left = makeNub<TestNub>(platform(), "left", "1", nullptr, false);
    auto right = makeNub<TestNub>(platform(), "right", "2", nullptr, false);
    auto client = makeNub<TestChildNub>(nullptr, "client", "0", nullptr, false);
    client->adjustBusy(1);
    ASSERT_TRUE(client->attach(left.get()));
    ASSERT_TRUE(client->attach(right.get()));
    EXPECT_EQ(left->getBusyState() + right->getBusyState(), 1u);
    client->adjustBusy(-1);
    EXPECT_EQ(left->getBusyState(), 0u);
    EXPECT_EQ(right->getBusyState(), 0u) << "the second provider stays busy for ever";
    EXPECT_TRUE(quiet());
    client->detach(left.get());
    client->detach(right.get());
}

// Detaching a busy client from the provider it lent its busy count to gives
// the count back there (and moves it to the next provider, if any).
TEST_F(Busy, DetachWhileBusyBalancesProviders)
{
    auto left = makeNub<TestNub>(platform(), "left", "1", nullptr, false);
    auto right = makeNub<TestNub>(platform(), "right", "2", nullptr, false);
    auto client = makeNub<TestChildNub>(left.get(), "client", "0", nullptr, false);
    ASSERT_TRUE(client->attach(right.get()));
    client->adjustBusy(1);
    const UInt32 lent = left->getBusyState() + right->getBusyState();
    EXPECT_EQ(lent, 1u);
    client->detach(left.get());
    EXPECT_EQ(left->getBusyState(), 0u);
    EXPECT_EQ(right->getBusyState(), 1u) << "the busy count follows the remaining provider";
    client->adjustBusy(-1);
    EXPECT_EQ(right->getBusyState(), 0u);
    EXPECT_TRUE(quiet());
    client->detach(right.get());
    client->adjustBusy(1);
    EXPECT_EQ(right->getBusyState(), 0u) << "a detached client lends nothing";
    client->adjustBusy(-1);
}

// Registration keeps the nub busy until matching is done; a nub that is busy
// when it is terminated is not quiet before its termination finished.
TEST_F(Busy, RegistrationAndTerminationAreBusy)
{
    std::atomic<UInt32> busyInStart{0};
    std::atomic<UInt32> platformBusyInStop{0};
    IOService* machine = platform();
    setCallHook([&](IOService* self, std::string_view method, IOService* provider) {
        if (method == "start" && provider)
            busyInStart = provider->getBusyState();
        if (method == "stop")
            platformBusyInStop = machine->getBusyState();
    });
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(busyInStart.load(), 1u) << "the nub is busy while its driver starts";
    EXPECT_EQ(nub->getBusyState(), 0u);
    nub->terminate();
    ASSERT_TRUE(quiet());
    EXPECT_GE(platformBusyInStop.load(), 1u) << "the platform was quiet while a driver below was stopping";
    setCallHook({});
}
