// SPDX-License-Identifier: GPL-2.0-or-later
// Termination of whole subtrees, also while matching below them is still
// running. Reference: spec 01 §3 items 2, 11, 12; spec 03 §3 item 21; DESIGN §3.
#include "TestDrivers.h"

#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

using namespace iolab::test;
using Calls = std::vector<std::string>;

namespace {
class Termination : public RuntimeTest {};

/// A bus nub with a TestBusDriver that makes `children` TestChildNubs, each
/// matched by TestLeafDriver.
void addBusPersonalities(unsigned children)
{
    auto bus = personality("TestBusDriver", "TestNub");
    bus.number(kTestChildCountKey, children);
    ASSERT_TRUE(addPersonalities({bus.get(), personality("TestLeafDriver", "TestChildNub").get()}));
}
} // namespace

// Terminating a bus terminates everything below it: each driver is stopped
// after its clients, detached, and freed; nubs and drivers alike end up inactive.
TEST_F(Termination, SubtreeTerminatesBottomUp)
{
    addBusPersonalities(2);
    auto nub = makeNub<TestNub>(platform(), "bus", "0");
    ASSERT_TRUE(quiet());
    ASSERT_EQ(CallLog::count("TestLeafDriver::start"), 2u);
    CallLog::clear();
    ASSERT_TRUE(nub->terminate());
    EXPECT_FALSE(nub->terminate()) << "a second terminate must report that it is already terminating";
    ASSERT_TRUE(quiet());
    ASSERT_TRUE(CallLog::waitFor("TestBusDriver::free"));
    ASSERT_TRUE(CallLog::waitFor("TestChildNub::free", 2));
    ASSERT_TRUE(CallLog::waitFor("TestLeafDriver::free", 2));

    // Each leaf stops before the bus driver stops, and each child nub detaches before the bus driver.
    auto all = CallLog::entries();
    auto position = [&](const std::string& entry) {
        return std::find(all.begin(), all.end(), entry) - all.begin();
    };
    auto last = [&](const std::string& entry) {
        return all.rend() - std::find(all.rbegin(), all.rend(), entry) - 1;
    };
    EXPECT_LT(last("TestLeafDriver::stop"), position("TestBusDriver::stop"));
    EXPECT_LT(last("TestChildNub::detach"), position("TestBusDriver::detach"));
    EXPECT_LT(position("TestBusDriver::willTerminate"), position("TestChildNub::willTerminate"))
        << "willTerminate goes top-down";
    EXPECT_LT(last("TestChildNub::didTerminate"), position("TestBusDriver::didTerminate"))
        << "didTerminate goes bottom-up";
    EXPECT_LT(position("TestNub::willTerminate"), position("TestBusDriver::willTerminate"));
    EXPECT_EQ(CallLog::count("TestLeafDriver::stop"), 2u);
    EXPECT_EQ(CallLog::count("TestChildNub::stop"), 0u) << "nubs that were never started are not stopped";
    EXPECT_TRUE(nub->isInactive());
}

// A client with a second, active provider survives the termination of the first.
TEST_F(Termination, ClientWithAnotherActiveProviderSurvives)
{
    auto left = makeNub<TestNub>(platform(), "left", "1");
    auto right = makeNub<TestNub>(platform(), "right", "2");
    auto shared = makeNub<TestChildNub>(left.get(), "shared", "0", nullptr, false);
    ASSERT_TRUE(shared->attach(right.get()));
    ASSERT_TRUE(quiet());
    left->terminate();
    ASSERT_TRUE(quiet());
    EXPECT_FALSE(shared->isInactive());
    EXPECT_TRUE(shared->isParent(right.get(), gIOServicePlane));
    EXPECT_FALSE(shared->isParent(left.get(), gIOServicePlane));
    right->terminate();
    ASSERT_TRUE(quiet());
    EXPECT_TRUE(shared->isInactive());
    EXPECT_FALSE(shared->getProvider());
}

// An inactive service takes no new clients and is not matched again.
TEST_F(Termination, InactiveServiceRefusesClientsAndMatching)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1", nullptr, false);
    ASSERT_TRUE(nub->terminate());
    ASSERT_TRUE(quiet());
    auto late = makeNub<TestChildNub>(nullptr, "late", "0", nullptr, false);
    EXPECT_FALSE(late->attach(nub.get()));
    nub->registerService();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(CallLog::count("TestDriverA::init"), 0u);
    EXPECT_EQ(nub->getState() & kIOServiceRegisteredState, 0u);
}

// Synchronous termination has finished when terminate returns.
TEST_F(Termination, SynchronousTerminationIsDoneOnReturn)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    ASSERT_TRUE(nub->terminate(kIOServiceSynchronous));
    EXPECT_EQ(CallLog::count("TestDriverA::stop"), 1u);
    EXPECT_EQ(CallLog::count("TestDriverA::free"), 1u);
    EXPECT_FALSE(nub->getProvider());
}

// Terminating a bus while its children are still being matched, many times:
// every object is freed, no matching or termination is left hanging, and the
// runtime shuts down. The bus nub or the bus driver is terminated at a
// different point of the enumeration in each round.
TEST_F(Termination, SubtreeUnderLoad)
{
    constexpr unsigned kChildren = 6;
    constexpr int kRounds = 500;
    addBusPersonalities(kChildren);
    CallLog::setEnabled(false);
    const auto began = std::chrono::steady_clock::now();
    for (int round = 0; round < kRounds; ++round) {
        auto nub = makeNub<TestNub>(platform(), "bus", std::to_string(round).c_str());
        ASSERT_TRUE(nub);
        // Let the enumeration get to some point: spin until the bus has that many children.
        const unsigned waitFor = static_cast<unsigned>(round) % (kChildren + 2);
        const auto deadline = std::chrono::steady_clock::now() + kDeadline;
        OSSharedPtr<IORegistryEntry> bus;
        for (;;) {
            bus.reset(nub->copyChildEntry(gIOServicePlane), OSNoRetain);
            OSSharedPtr<OSArray> children(bus ? bus->copyChildren(gIOServicePlane) : nullptr, OSNoRetain);
            const unsigned have = children ? children->getCount() : 0;
            if (have >= std::min(waitFor, kChildren) || waitFor == 0 || std::chrono::steady_clock::now() > deadline)
                break;
            std::this_thread::yield();
        }
        auto* busDriver = OSDynamicCast(IOService, bus.get());
        if (round % 3 == 1 && busDriver)
            ASSERT_TRUE(busDriver->terminate());
        else
            ASSERT_TRUE(nub->terminate());
        if (round % 3 == 1 && busDriver) {
            ASSERT_TRUE(quiet());
            nub->terminate();
        }
        if (round % 5 == 0) {
            ASSERT_TRUE(quiet()) << "round " << round;
        }
    }
    ASSERT_TRUE(quiet());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::printf("[ timing   ] %d rounds took %.3f s\n", kRounds, seconds);
    // Meant to take well under 5 s; only a pathological slowdown fails here.
    EXPECT_LT(seconds, 15.0);
    CallLog::setEnabled(true);

    // Only the platform's own clients are left, active or not.
    OSSharedPtr<OSArray> left(platform()->copyChildren(gIOServicePlane), OSNoRetain);
    for (unsigned i = 0; left && i < left->getCount(); ++i)
        EXPECT_STRNE(left->getObject(i)->getMetaClass()->getClassName(), "TestNub") << "a bus nub is still attached";
    EXPECT_EQ(liveTestInstances(), "") << "after waitQuiet";

    auto shutdown = std::async(std::launch::async, [&] { runtime->shutdown(); });
    if (shutdown.wait_for(kDeadline) != std::future_status::ready) {
        ADD_FAILURE() << "runtime shutdown hangs";
        std::abort(); // the runtime's threads cannot be recovered
    }
    EXPECT_EQ(liveTestInstances(), "") << "after shutdown";
}
