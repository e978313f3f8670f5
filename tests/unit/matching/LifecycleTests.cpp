// SPDX-License-Identifier: GPL-2.0-or-later
// The driver lifecycle as matching drives it: which methods are called, on which
// candidates, in which order. Reference: spec 01 §1.2, §1.3 and §3 items 1–12;
// spec 03 §3 items 19–21.
#include "TestDrivers.h"

#include <IOKit/IOPlatformExpert.h>

#include <atomic>
#include <mutex>

using namespace iolab::test;
using Calls = std::vector<std::string>;

namespace {

class Lifecycle : public RuntimeTest {
protected:
    /// A registered TestNub "nub@1" under the platform device.
    OSSharedPtr<TestNub> plugNub(const char* name = "nub", const char* location = "1")
    {
        auto nub = makeNub<TestNub>(platform(), name, location);
        EXPECT_TRUE(nub);
        EXPECT_TRUE(quiet());
        return nub;
    }
    /// Terminates `service` and waits until its termination has finished.
    void unplug(IOService* service)
    {
        ASSERT_TRUE(service->terminate());
        ASSERT_TRUE(quiet());
    }
};

} // namespace

// spec 01 §3 item 1: {IOProviderClass IOResources, IOResourceMatch IOKit, a unique
// IOMatchCategory} starts once the IOKit resource is published, with no hardware.
TEST_F(Lifecycle, ResourceDriverStartsWithoutHardware)
{
    ASSERT_TRUE(resources()->getProperty(kIOKitResourceKey)) << "the runtime publishes the IOKit resource at boot";
    auto a = personality("TestDriverA", kIOResourcesClass, -1, "com.example.A");
    a.string(kIOResourceMatchKey, kIOKitResourceKey);
    auto b = personality("TestDriverB", kIOResourcesClass, -1, "com.example.B");
    b.string(kIOResourceMatchKey, kIOKitResourceKey);
    ASSERT_TRUE(addPersonalities({a.get(), b.get()}));
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(resources()), (Calls{"TestDriverA", "TestDriverB"}))
        << "each driver has its own category, so both attach to IOResources";
    EXPECT_EQ(CallLog::entriesWithMethods({"start"}).size(), 2u);
    for (auto& driver : clientsOf(resources()))
        EXPECT_EQ(driver->getProvider(), resources());
}

// spec 01 §3 item 2: the winner gets init → probe → start … stop → free; init
// is always first and free always last.
TEST_F(Lifecycle, WinnerSequenceInitProbeStartStopFree)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = plugNub();
    EXPECT_EQ(CallLog::entriesOf({"TestDriverA"}),
              (Calls{"TestDriverA::init", "TestDriverA::attach", "TestDriverA::probe", "TestDriverA::detach",
                     "TestDriverA::attach", "TestDriverA::start"}));
    unplug(nub.get());
    ASSERT_TRUE(CallLog::waitFor("TestDriverA::free"));
    EXPECT_EQ(CallLog::entriesOf({"TestDriverA"}),
              (Calls{"TestDriverA::init", "TestDriverA::attach", "TestDriverA::probe", "TestDriverA::detach",
                     "TestDriverA::attach", "TestDriverA::start", "TestDriverA::willTerminate",
                     "TestDriverA::didTerminate", "TestDriverA::stop", "TestDriverA::detach", "TestDriverA::free"}));
}

// spec 01 §3 item 3: init receives a copy of the personality: instance edits,
// even inside nested collections, leave the catalogue's personality unchanged.
TEST_F(Lifecycle, InitReceivesACopyOfThePersonality)
{
    auto a = personality("TestDriverA", "TestNub");
    a.object("Config", Dict().number("Level", 1));
    std::atomic<OSDictionary*> received{nullptr};
    setCallHook([&](IOService* self, std::string_view method, IOService*) {
        if (method == "start")
            received = self->getPropertyTable();
    });
    ASSERT_TRUE(addPersonalities({a.get()}));
    auto nub = plugNub();
    auto drivers = clientsOfClass(nub.get(), "TestDriverA");
    ASSERT_EQ(drivers.size(), 1u);
    IOService* driver = drivers[0].get();

    OSSharedPtr<OSArray> catalogue(gIOCatalogue->copyPersonalities(), OSNoRetain);
    ASSERT_EQ(catalogue->getCount(), 1u);
    auto* stored = OSDynamicCast(OSDictionary, catalogue->getObject(0));
    ASSERT_TRUE(stored);
    EXPECT_NE(received.load(), stored) << "the instance's table is not the catalogue's dictionary";
    EXPECT_NE(received.load(), a.get());

    driver->setProperty("Edited", true);
    auto* config = OSDynamicCast(OSDictionary, driver->getProperty("Config"));
    ASSERT_TRUE(config);
    OSSharedPtr<OSNumber> two(OSNumber::withNumber(2, 32), OSNoRetain);
    config->setObject("Level", two.get());

    EXPECT_FALSE(stored->getObject("Edited"));
    auto* storedConfig = OSDynamicCast(OSDictionary, stored->getObject("Config"));
    ASSERT_TRUE(storedConfig);
    auto* level = OSDynamicCast(OSNumber, storedConfig->getObject("Level"));
    ASSERT_TRUE(level);
    EXPECT_EQ(level->unsigned32BitValue(), 1u) << "a nested dictionary was shared with the catalogue";
    EXPECT_FALSE(a.get()->getObject("Edited")) << "the caller's dictionary was shared";
}

// spec 01 §3 item 4: a new instance's property table equals its personality, and
// two instances of one personality have independent tables.
TEST_F(Lifecycle, InstanceTableEqualsPersonalityAndIsIndependent)
{
    auto a = personality("TestDriverA", "TestNub", 7);
    a.string("Greeting", "hello").number("Answer", 42);
    ASSERT_TRUE(addPersonalities({a.get()}));
    auto one = plugNub("nub", "1");
    auto two = plugNub("nub", "2");
    auto first = clientsOfClass(one.get(), "TestDriverA");
    auto second = clientsOfClass(two.get(), "TestDriverA");
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(second.size(), 1u);

    for (IOService* driver : {first[0].get(), second[0].get()}) {
        OSSharedPtr<OSDictionary> table(driver->dictionaryWithProperties(), OSNoRetain);
        EXPECT_TRUE(table->isEqualTo(a.get())) << "instance table differs from its personality";
    }
    EXPECT_NE(first[0]->getPropertyTable(), second[0]->getPropertyTable());

    first[0]->setProperty("Greeting", "changed");
    first[0]->setProperty("OnlyFirst", true);
    auto* greeting = OSDynamicCast(OSString, second[0]->getProperty("Greeting"));
    ASSERT_TRUE(greeting);
    EXPECT_STREQ(greeting->getCStringNoCopy(), "hello");
    EXPECT_FALSE(second[0]->getProperty("OnlyFirst"));
}

// spec 01 §3 item 5: probe returning NULL hands the nub to the next candidate,
// and the declined instance is still freed.
TEST_F(Lifecycle, ProbeDeclineTriesNextAndFreesDecliner)
{
    auto a = personality("TestDriverA", "TestNub", 100);
    a.boolean(kTestProbeDeclineKey, true);
    ASSERT_TRUE(addPersonalities({a.get(), personality("TestDriverB", "TestNub", 50).get()}));
    auto nub = plugNub();
    EXPECT_EQ(CallLog::entriesOf({"TestDriverA", "TestDriverB"}),
              (Calls{"TestDriverA::init", "TestDriverA::attach", "TestDriverA::probe", "TestDriverA::detach",
                     "TestDriverA::free", "TestDriverB::init", "TestDriverB::attach", "TestDriverB::probe",
                     "TestDriverB::detach", "TestDriverB::attach", "TestDriverB::start"}));
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverB"});
}

// spec 01 §3 item 6 / spec 03 §3 item 20: start returning false hands the nub to
// the next-highest candidate; the failed instance is freed and never stopped.
TEST_F(Lifecycle, StartFailureTriesNextWithoutStop)
{
    auto a = personality("TestDriverA", "TestNub", 100);
    a.boolean(kTestStartFailsKey, true);
    ASSERT_TRUE(addPersonalities({a.get(), personality("TestDriverB", "TestNub", 50).get()}));
    auto nub = plugNub();
    EXPECT_EQ(CallLog::entriesOf({"TestDriverA", "TestDriverB"}),
              (Calls{"TestDriverA::init", "TestDriverA::attach", "TestDriverA::probe", "TestDriverA::detach",
                     "TestDriverB::init", "TestDriverB::attach", "TestDriverB::probe", "TestDriverB::detach",
                     "TestDriverA::attach", "TestDriverA::start", "TestDriverA::detach", "TestDriverA::free",
                     "TestDriverB::attach", "TestDriverB::start"}));
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverB"});
    unplug(nub.get());
    ASSERT_TRUE(CallLog::waitFor("TestDriverB::free"));
    EXPECT_EQ(CallLog::count("TestDriverA::stop"), 0u) << "a driver whose start failed must never be stopped";
    EXPECT_EQ(CallLog::count("TestDriverB::stop"), 1u);
}

// spec 01 §3 item 7: a lower-scoring candidate in the same category gets init,
// probe and free, and never start or stop.
TEST_F(Lifecycle, LoserGetsInitProbeFreeOnly)
{
    ASSERT_TRUE(addPersonalities(
        {personality("TestDriverB", "TestNub", 10).get(), personality("TestDriverA", "TestNub", 20).get()}));
    auto nub = plugNub();
    EXPECT_EQ(CallLog::entriesOf({"TestDriverB"}), (Calls{"TestDriverB::init", "TestDriverB::attach",
                                                         "TestDriverB::probe", "TestDriverB::detach",
                                                         "TestDriverB::free"}));
    unplug(nub.get());
    ASSERT_TRUE(CallLog::waitFor("TestDriverA::free"));
    EXPECT_EQ(CallLog::entriesOf({"TestDriverB"}).size(), 5u) << "the loser was called after it lost";
}

// spec 01 §3 item 8: the winner is the highest score after probe changed it.
TEST_F(Lifecycle, ProbeScoreChangeDecidesWinner)
{
    auto a = personality("TestDriverA", "TestNub", 100);
    a.number(kTestProbeScoreKey, 10); // A lowers itself below B in probe
    ASSERT_TRUE(addPersonalities({a.get(), personality("TestDriverB", "TestNub", 50).get()}));
    auto nub = plugNub();
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverB"});
    EXPECT_EQ(CallLog::entriesWithMethods({"start"}), Calls{"TestDriverB::start"});
    EXPECT_EQ(CallLog::entriesWithMethods({"probe"}), (Calls{"TestDriverA::probe", "TestDriverB::probe"}))
        << "probe order follows IOProbeScore from the personalities";
}

// Probe may also raise a low passive score above the others.
TEST_F(Lifecycle, ProbeCanRaiseScoreAboveOthers)
{
    auto c = personality("TestDriverC", "TestNub", 1);
    c.number(kTestProbeScoreKey, 5000);
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", 300).get(), c.get(),
                                  personality("TestDriverB", "TestNub", 200).get()}));
    auto nub = plugNub();
    EXPECT_EQ(CallLog::entriesWithMethods({"probe"}),
              (Calls{"TestDriverA::probe", "TestDriverB::probe", "TestDriverC::probe"}));
    EXPECT_EQ(CallLog::entriesWithMethods({"start"}), Calls{"TestDriverC::start"});
    EXPECT_EQ(CallLog::entriesWithMethods({"free"}), (Calls{"TestDriverA::free", "TestDriverB::free"}));
}

// IOProbeScore orders probing and starting; the order personalities were added in does not.
TEST_F(Lifecycle, ProbeScoreOrdersCandidates)
{
    auto a = personality("TestDriverA", "TestNub", 30);
    a.boolean(kTestStartFailsKey, true);
    auto b = personality("TestDriverB", "TestNub", 20);
    b.boolean(kTestStartFailsKey, true);
    ASSERT_TRUE(addPersonalities({personality("TestDriverD", "TestNub", 5).get(), b.get(),
                                  personality("TestDriverC", "TestNub", 10).get(), a.get()}));
    auto nub = plugNub();
    EXPECT_EQ(CallLog::entriesWithMethods({"probe"}),
              (Calls{"TestDriverA::probe", "TestDriverB::probe", "TestDriverC::probe", "TestDriverD::probe"}));
    EXPECT_EQ(CallLog::entriesWithMethods({"start", "free"}),
              (Calls{"TestDriverA::start", "TestDriverA::free", "TestDriverB::start", "TestDriverB::free",
                     "TestDriverC::start", "TestDriverD::free"}));
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverC"});
}

// Every candidate declines or fails: the nub ends up without a driver, and every instance is freed.
TEST_F(Lifecycle, NoCandidateSucceeds)
{
    auto a = personality("TestDriverA", "TestNub", 30);
    a.boolean(kTestProbeDeclineKey, true);
    auto b = personality("TestDriverB", "TestNub", 20);
    b.boolean(kTestStartFailsKey, true);
    auto c = personality("TestDriverC", "TestNub", 10);
    c.boolean(kTestInitFailsKey, true);
    ASSERT_TRUE(addPersonalities({a.get(), b.get(), c.get()}));
    auto nub = plugNub();
    EXPECT_TRUE(clientsOf(nub.get()).empty());
    EXPECT_EQ(CallLog::entriesOf({"TestDriverC"}), (Calls{"TestDriverC::init", "TestDriverC::free"}))
        << "a failed init is followed by free and nothing else";
    EXPECT_EQ(CallLog::count("TestDriverA::free"), 1u);
    EXPECT_EQ(CallLog::count("TestDriverB::free"), 1u);
    EXPECT_EQ(CallLog::entriesWithMethods({"stop"}), Calls{});
    EXPECT_TRUE(nub->getState() & kIOServiceMatchedState);
}

// spec 01 §3 item 9 / spec 03 §3 item 19: without IOMatchCategory only one
// driver attaches (default category); distinct categories both attach.
TEST_F(Lifecycle, OneWinnerPerCategory)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", 10).get(),
                                  personality("TestDriverB", "TestNub", 20).get()}));
    auto nub = plugNub();
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverB"}) << "default category: one winner, the top score";
}

TEST_F(Lifecycle, DistinctCategoriesBothAttach)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", 10, "audio").get(),
                                  personality("TestDriverB", "TestNub", 20, "video").get(),
                                  personality("TestDriverC", "TestNub", 30, "video").get(),
                                  personality("TestDriverD", "TestNub", 40).get()}));
    auto nub = plugNub();
    EXPECT_EQ(clientClassNames(nub.get()), (Calls{"TestDriverA", "TestDriverC", "TestDriverD"}));
    EXPECT_EQ(CallLog::count("TestDriverB::start"), 0u);
    EXPECT_EQ(CallLog::count("TestDriverB::free"), 1u);
}

// spec 01 §3 item 10: only personalities whose IOProviderClass is the nub's
// class or a superclass are considered; the family's matchPropertyTable
// decides its own keys (idVendor/idProduct).
TEST_F(Lifecycle, OnlyPersonalitiesOfTheProviderClassAreChecked)
{
    auto family = personality("TestDriverA", "TestFamilyNub", -1, "family");
    family.number("idVendor", 0x05ac);
    ASSERT_TRUE(addPersonalities({family.get(), personality("TestDriverB", "TestNubSub", -1, "sub").get(),
                                  personality("TestDriverC", "IOService", -1, "any").get(),
                                  personality("TestDriverD", "TestChildNub", -1, "other").get()}));
    auto plain = plugNub("plain", "1");
    EXPECT_EQ(clientClassNames(plain.get()), Calls{"TestDriverC"})
        << "only the IOService personality fits a plain TestNub";
    EXPECT_EQ(TestFamilyNub::s_matchCalls.load(), 0);

    auto apple = makeNub<TestFamilyNub>(platform(), "apple", "2", Dict().number("idVendor", 0x05ac).get());
    auto other = makeNub<TestFamilyNub>(platform(), "other", "3", Dict().number("idVendor", 0x1234).get());
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(apple.get()), (Calls{"TestDriverA", "TestDriverC"}));
    EXPECT_EQ(clientClassNames(other.get()), Calls{"TestDriverC"}) << "the family refused the vendor";
    EXPECT_GT(TestFamilyNub::s_matchCalls.load(), 0);
    EXPECT_EQ(CallLog::count("TestDriverD::init"), 0u) << "a personality for another class was instantiated";
    EXPECT_EQ(CallLog::count("TestDriverB::init"), 0u) << "a TestNubSub personality was offered to its superclass";
}

// spec 01 §3 item 11: stop runs only on removal or unload, not on later matching.
TEST_F(Lifecycle, StopOnlyOnRemoval)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", 10).get()}));
    auto nub = plugNub();
    // More personalities for the same nub rematch it; the running driver keeps going.
    ASSERT_TRUE(addPersonalities({personality("TestDriverB", "TestNub", 99).get()}));
    ASSERT_TRUE(quiet());
    nub->registerService();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(CallLog::count("TestDriverA::stop"), 0u);
    EXPECT_EQ(CallLog::count("TestDriverA::start"), 1u);
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverA"}) << "a taken category is not matched again";
    unplug(nub.get());
    EXPECT_TRUE(CallLog::waitFor("TestDriverA::stop"));
    EXPECT_EQ(CallLog::count("TestDriverA::stop"), 1u);
}

// spec 01 §3 item 12: a nub a driver creates goes through matching itself.
TEST_F(Lifecycle, DriverCreatedNubsAreMatched)
{
    auto bus = personality("TestBusDriver", "TestNub");
    bus.number(kTestChildCountKey, 3);
    ASSERT_TRUE(addPersonalities({bus.get(), personality("TestLeafDriver", "TestChildNub").get()}));
    auto nub = plugNub();
    auto buses = clientsOfClass(nub.get(), "TestBusDriver");
    ASSERT_EQ(buses.size(), 1u);
    auto children = clientsOfClass(buses[0].get(), "TestChildNub");
    ASSERT_EQ(children.size(), 3u);
    for (auto& child : children) {
        EXPECT_EQ(clientClassNames(child.get()), Calls{"TestLeafDriver"});
        EXPECT_TRUE(child->getState() & kIOServiceMatchedState);
    }
    EXPECT_EQ(CallLog::count("TestLeafDriver::start"), 3u);
    children.clear();
    buses.clear();
    unplug(nub.get());
    EXPECT_TRUE(CallLog::waitFor("TestLeafDriver::free", 3));
    EXPECT_TRUE(CallLog::waitFor("TestChildNub::free", 3));
    EXPECT_TRUE(CallLog::waitFor("TestBusDriver::free"));
}

// spec 03 §3 item 20: candidates are attached for probe and detached again
// before the final attach + start; the winner is the only client when it starts.
TEST_F(Lifecycle, CandidatesAttachedDuringProbeOnly)
{
    struct Seen {
        std::mutex mutex;
        std::vector<std::string> facts;
    } seen;
    IOService* nubPointer = nullptr;
    std::atomic<IOService*> expectedProvider{nullptr};
    setCallHook([&](IOService* self, std::string_view method, IOService* provider) {
        if (method != "probe" && method != "start")
            return;
        IOService* nub = expectedProvider.load();
        std::string fact = std::string(self->getMetaClass()->getClassName()) + "::" + std::string(method);
        fact += self->getProvider() == nub ? " provider=nub" : " provider=?";
        fact += self->isParent(nub, gIOServicePlane) ? " parent" : " orphan";
        OSSharedPtr<OSArray> siblings(nub->copyChildren(gIOServicePlane), OSNoRetain);
        fact += " clients=" + std::to_string(siblings ? siblings->getCount() : 0);
        fact += provider == nub ? " arg=nub" : " arg=?";
        std::lock_guard lock(seen.mutex);
        seen.facts.push_back(fact);
    });
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", 30).get(),
                                  personality("TestDriverB", "TestNub", 20).get(),
                                  personality("TestDriverC", "TestNub", 10).get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1", nullptr, false);
    nubPointer = nub.get();
    expectedProvider = nubPointer;
    nub->registerService();
    ASSERT_TRUE(quiet());
    setCallHook({});
    std::lock_guard lock(seen.mutex);
    EXPECT_EQ(seen.facts, (Calls{"TestDriverA::probe provider=nub parent clients=1 arg=nub",
                                 "TestDriverB::probe provider=nub parent clients=1 arg=nub",
                                 "TestDriverC::probe provider=nub parent clients=1 arg=nub",
                                 "TestDriverA::start provider=nub parent clients=1 arg=nub"}));
    EXPECT_EQ(CallLog::entriesWithMethods({"attach", "detach"}),
              (Calls{"TestNub::attach", "TestDriverA::attach", "TestDriverA::detach", "TestDriverB::attach",
                     "TestDriverB::detach", "TestDriverC::attach", "TestDriverC::detach", "TestDriverA::attach"}));
}

// spec 03 §3 item 21: unplug runs terminate → willTerminate/didTerminate → stop
// → detach → free, in that order.
TEST_F(Lifecycle, UnplugOrder)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = plugNub();
    CallLog::clear();
    unplug(nub.get());
    ASSERT_TRUE(CallLog::waitFor("TestDriverA::free"));
    EXPECT_EQ(CallLog::entriesOf({"TestNub", "TestDriverA"}),
              (Calls{"TestNub::terminate", "TestNub::willTerminate", "TestDriverA::willTerminate",
                     "TestDriverA::didTerminate", "TestNub::didTerminate", "TestDriverA::stop",
                     "TestDriverA::detach", "TestNub::detach", "TestDriverA::free"}));
    EXPECT_TRUE(nub->isInactive());
    EXPECT_FALSE(nub->getProvider());
    nub.reset();
    EXPECT_TRUE(CallLog::waitFor("TestNub::free"));
}

// spec 03 §3 item 21: free waits while someone still holds a reference.
TEST_F(Lifecycle, FreeDelayedWhileReferenced)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = plugNub();
    auto drivers = clientsOfClass(nub.get(), "TestDriverA");
    ASSERT_EQ(drivers.size(), 1u);
    OSSharedPtr<IOService> held = drivers[0];
    drivers.clear();
    unplug(nub.get());
    ASSERT_TRUE(CallLog::waitFor("TestDriverA::detach", 2)); // probe's detach and the final one
    EXPECT_TRUE(held->isInactive());
    EXPECT_FALSE(held->getProvider());
    EXPECT_EQ(CallLog::count("TestDriverA::stop"), 1u);
    EXPECT_EQ(CallLog::count("TestDriverA::free"), 0u) << "freed while a reference was held";
    EXPECT_EQ(TestDriverA::metaClass->getInstanceCount(), 1u);
    held.reset();
    EXPECT_TRUE(CallLog::waitFor("TestDriverA::free"));
    EXPECT_EQ(CallLog::entriesOf({"TestDriverA"}).back(), "TestDriverA::free");
}

// spec 03 §3 item 21: a re-plugged device gets a new driver instance.
TEST_F(Lifecycle, ReplugMakesNewInstance)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto first = plugNub();
    auto drivers = clientsOfClass(first.get(), "TestDriverA");
    ASSERT_EQ(drivers.size(), 1u);
    OSSharedPtr<IOService> old = drivers[0];
    const uint64_t oldID = old->getRegistryEntryID();
    unplug(first.get());
    auto second = plugNub();
    auto fresh = clientsOfClass(second.get(), "TestDriverA");
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_NE(fresh[0].get(), old.get());
    EXPECT_NE(fresh[0]->getRegistryEntryID(), oldID);
    EXPECT_NE(second->getRegistryEntryID(), first->getRegistryEntryID());
    EXPECT_TRUE(old->isInactive());
    EXPECT_FALSE(fresh[0]->isInactive());
    EXPECT_EQ(CallLog::count("TestDriverA::start"), 2u);
}

// Terminating a driver (not its nub) stops and frees it; the nub stays and can be matched again.
TEST_F(Lifecycle, TerminatingTheDriverLeavesTheNub)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = plugNub();
    auto drivers = clientsOfClass(nub.get(), "TestDriverA");
    ASSERT_EQ(drivers.size(), 1u);
    unplug(drivers[0].get());
    drivers.clear();
    ASSERT_TRUE(CallLog::waitFor("TestDriverA::free"));
    EXPECT_FALSE(nub->isInactive());
    EXPECT_EQ(nub->getProvider(), platform());
    EXPECT_TRUE(clientsOf(nub.get()).empty());
    nub->registerService();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverA"});
    EXPECT_EQ(CallLog::count("TestDriverA::start"), 2u);
}

// Runtime::waitQuiet after terminate covers the whole termination: the driver
// has been stopped, detached and (holding no other reference) freed.
TEST_F(Lifecycle, WaitQuietCoversTermination)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    for (int round = 0; round < 50; ++round) {
        auto nub = plugNub();
        ASSERT_EQ(clientsOf(nub.get()).size(), 1u);
        unplug(nub.get());
        EXPECT_EQ(TestDriverA::metaClass->getInstanceCount(), 0u) << "round " << round;
        EXPECT_EQ(nub->getBusyState(), 0u) << "round " << round;
    }
}
