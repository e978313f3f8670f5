// SPDX-License-Identifier: GPL-2.0-or-later
// Lookups and notifications at the kernel level. Reference: spec 02 §1.2, §1.3
// and §4 items 1–5.
#include "TestDrivers.h"

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace iolab::test;
using Calls = std::vector<std::string>;

namespace {

class Notifications : public RuntimeTest {};

/// Collects what a matching notification delivered: one entry per call, the
/// service's name@location.
struct Delivered {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> names;
    std::vector<uint64_t> ids;

    static bool handler(void* target, void*, IOService* service, IONotifier*)
    {
        auto* self = static_cast<Delivered*>(target);
        std::string name = service->getName();
        if (const char* location = service->getLocation())
            name += std::string("@") + location;
        {
            std::lock_guard lock(self->mutex);
            self->names.push_back(name);
            self->ids.push_back(service->getRegistryEntryID());
        }
        self->changed.notify_all();
        return true;
    }
    std::vector<std::string> snapshot()
    {
        std::lock_guard lock(mutex);
        return names;
    }
    size_t countOf(uint64_t id)
    {
        std::lock_guard lock(mutex);
        return static_cast<size_t>(std::count(ids.begin(), ids.end(), id));
    }
    bool waitForCount(size_t count)
    {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, kDeadline, [&] { return names.size() >= count; });
    }
};

/// A notifier that is removed when the test ends.
struct NotifierHolder {
    IONotifier* notifier = nullptr;
    ~NotifierHolder()
    {
        if (notifier)
            notifier->remove();
    }
};

OSSharedPtr<const OSSymbol> symbol(const char* text)
{
    return OSSharedPtr<const OSSymbol>(OSSymbol::withCString(text), OSNoRetain);
}

IONotifier* watch(const char* type, const char* className, Delivered& into)
{
    OSSharedPtr<OSDictionary> matching(IOService::serviceMatching(className), OSNoRetain);
    return IOService::addMatchingNotification(symbol(type).get(), matching.get(), &Delivered::handler, &into);
}

std::vector<std::string> namesOf(OSIterator* iterator)
{
    std::vector<std::string> names;
    while (OSObject* next = iterator->getNextObject()) {
        auto* service = OSDynamicCast(IOService, next);
        std::string name = service->getName();
        if (const char* location = service->getLocation())
            name += std::string("@") + location;
        names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

// spec 02 §4 item 1: serviceMatching("X") is {IOProviderClass: "X"}, it matches
// subclasses, and the class of each match is its most-derived class.
TEST_F(Notifications, ServiceMatchingIsProviderClassAndMatchesSubclasses)
{
    OSSharedPtr<OSDictionary> matching(IOService::serviceMatching("TestNub"), OSNoRetain);
    ASSERT_TRUE(matching);
    EXPECT_EQ(matching->getCount(), 1u);
    auto* value = OSDynamicCast(OSString, matching->getObject(kIOProviderClassKey));
    ASSERT_TRUE(value);
    EXPECT_STREQ(value->getCStringNoCopy(), "TestNub");
    EXPECT_TRUE(matching->isEqualTo(Dict().string(kIOProviderClassKey, "TestNub").get()));

    auto base = makeNub<TestNub>(platform(), "base", "1");
    auto sub = makeNub<TestNubSub>(platform(), "sub", "2");
    auto family = makeNub<TestFamilyNub>(platform(), "family", "3");
    auto child = makeNub<TestChildNub>(platform(), "unrelated", "4");
    ASSERT_TRUE(quiet());
    OSSharedPtr<OSIterator> found(IOService::getMatchingServices(matching.get()), OSNoRetain);
    ASSERT_TRUE(found);
    std::vector<std::string> classes;
    while (OSObject* next = found->getNextObject())
        classes.emplace_back(next->getMetaClass()->getClassName());
    std::sort(classes.begin(), classes.end());
    EXPECT_EQ(classes, (Calls{"TestFamilyNub", "TestNub", "TestNubSub"}));

    // Only the exact class: what IOObjectCopyClass lets a client filter on.
    OSSharedPtr<OSDictionary> subOnly(IOService::serviceMatching("TestNubSub"), OSNoRetain);
    OSSharedPtr<OSIterator> subs(IOService::getMatchingServices(subOnly.get()), OSNoRetain);
    EXPECT_EQ(namesOf(subs.get()), Calls{"sub@2"});

    // Name search (spec 01 §3 item 31) uses the same machinery.
    OSSharedPtr<OSDictionary> byName(IOService::nameMatching("family"), OSNoRetain);
    OSSharedPtr<OSIterator> named(IOService::getMatchingServices(byName.get()), OSNoRetain);
    EXPECT_EQ(namesOf(named.get()), Calls{"family@3"});
}

// spec 02 §4 item 2: getMatchingServices is a snapshot; the iterator returns
// NULL at the end and keeps doing so; the references it holds balance.
TEST_F(Notifications, GetMatchingServicesIsASnapshot)
{
    auto first = makeNub<TestNub>(platform(), "nub", "1");
    auto second = makeNub<TestNub>(platform(), "nub", "2");
    ASSERT_TRUE(quiet());
    const int before = first->getRetainCount();
    OSSharedPtr<OSDictionary> matching(IOService::serviceMatching("TestNub"), OSNoRetain);
    OSSharedPtr<OSIterator> snapshot(IOService::getMatchingServices(matching.get()), OSNoRetain);
    ASSERT_TRUE(snapshot);
    EXPECT_GT(first->getRetainCount(), before) << "the iterator must keep its services alive";

    auto third = makeNub<TestNub>(platform(), "nub", "3");
    ASSERT_TRUE(quiet());
    second->terminate();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(namesOf(snapshot.get()), (Calls{"nub@1", "nub@2"})) << "later changes leaked into the snapshot";
    EXPECT_EQ(snapshot->getNextObject(), nullptr);
    EXPECT_EQ(snapshot->getNextObject(), nullptr);
    snapshot.reset();
    EXPECT_EQ(first->getRetainCount(), before);

    OSSharedPtr<OSIterator> now(IOService::getMatchingServices(matching.get()), OSNoRetain);
    EXPECT_EQ(namesOf(now.get()), (Calls{"nub@1", "nub@3"})) << "terminated services are not matched";
    EXPECT_EQ(IOService::getMatchingServices(nullptr), nullptr);
}

// copyMatchingService and waitForMatchingService.
TEST_F(Notifications, CopyAndWaitForMatchingService)
{
    OSSharedPtr<OSDictionary> matching(IOService::nameMatching("late"), OSNoRetain);
    EXPECT_EQ(IOService::copyMatchingService(matching.get()), nullptr);
    EXPECT_EQ(IOService::waitForMatchingService(matching.get(), 1'000'000), nullptr);

    OSSharedPtr<TestNub> made;
    std::thread plugger([&] { made = makeNub<TestNub>(platform(), "late", "1"); });
    OSSharedPtr<IOService> found(IOService::waitForMatchingService(matching.get(), kDeadlineNs), OSNoRetain);
    plugger.join();
    ASSERT_TRUE(found);
    EXPECT_EQ(found.get(), made.get());
    ASSERT_TRUE(quiet());
}

// spec 02 §4 item 4: at install, services that already qualify are delivered
// (there are no terminated ones to deliver); later arrivals are delivered once.
TEST_F(Notifications, MatchingNotificationsFireForExistingThenNew)
{
    auto existing = makeNub<TestNub>(platform(), "old", "1");
    ASSERT_TRUE(quiet());

    Delivered firstMatch, publish, matched, terminated, firstPublish;
    NotifierHolder n1{watch(kIOFirstMatchNotification, "TestNub", firstMatch)};
    NotifierHolder n2{watch(kIOPublishNotification, "TestNub", publish)};
    NotifierHolder n3{watch(kIOMatchedNotification, "TestNub", matched)};
    NotifierHolder n4{watch(kIOTerminatedNotification, "TestNub", terminated)};
    NotifierHolder n5{watch(kIOFirstPublishNotification, "TestNub", firstPublish)};
    ASSERT_TRUE(n1.notifier && n2.notifier && n3.notifier && n4.notifier && n5.notifier);
    EXPECT_EQ(firstMatch.snapshot(), Calls{"old@1"}) << "existing services are delivered at install";
    EXPECT_EQ(publish.snapshot(), Calls{"old@1"});
    EXPECT_EQ(matched.snapshot(), Calls{"old@1"});
    EXPECT_EQ(firstPublish.snapshot(), Calls{"old@1"});
    EXPECT_EQ(terminated.snapshot(), Calls{}) << "nothing is terminated yet";

    auto fresh = makeNub<TestNub>(platform(), "new", "2");
    auto other = makeNub<TestChildNub>(platform(), "other", "3");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(firstMatch.snapshot(), (Calls{"old@1", "new@2"}));
    EXPECT_EQ(publish.snapshot(), (Calls{"old@1", "new@2"}));
    EXPECT_EQ(matched.snapshot(), (Calls{"old@1", "new@2"}));
    EXPECT_EQ(firstPublish.snapshot(), (Calls{"old@1", "new@2"}));

    existing->terminate();
    ASSERT_TRUE(quiet());
    ASSERT_TRUE(terminated.waitForCount(1));
    EXPECT_EQ(terminated.snapshot(), Calls{"old@1"});

    // A notifier installed after a termination does not report it.
    Delivered lateTerminated;
    NotifierHolder n6{watch(kIOTerminatedNotification, "TestNub", lateTerminated)};
    ASSERT_TRUE(n6.notifier);
    EXPECT_EQ(lateTerminated.snapshot(), Calls{});
}

// spec 02 §4 item 4: the "first" types fire exactly once per service, however
// often the service is matched again; the others fire at every (re)match.
TEST_F(Notifications, FirstNotificationsFireOncePerService)
{
    Delivered firstMatch, firstPublish, matched;
    NotifierHolder n1{watch(kIOFirstMatchNotification, "TestNub", firstMatch)};
    NotifierHolder n2{watch(kIOFirstPublishNotification, "TestNub", firstPublish)};
    NotifierHolder n3{watch(kIOMatchedNotification, "TestNub", matched)};
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    for (int i = 0; i < 3; ++i) {
        nub->registerService();
        ASSERT_TRUE(quiet());
        ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", i, ("c" + std::to_string(i)).c_str()).get()}));
        ASSERT_TRUE(quiet());
    }
    EXPECT_EQ(firstMatch.snapshot(), Calls{"nub@1"});
    EXPECT_EQ(firstPublish.snapshot(), Calls{"nub@1"});
    EXPECT_EQ(matched.snapshot().size(), 7u) << "the first registration and six rematches";
}

// "First" notifications installed while services are being matched still
// deliver each service exactly once.
TEST_F(Notifications, FirstMatchExactlyOnceWhileInstallingDuringMatching)
{
    constexpr int kNubs = 40;
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    std::vector<OSSharedPtr<TestNub>> nubs;
    std::thread plugger([&] {
        for (int i = 0; i < kNubs; ++i)
            nubs.push_back(makeNub<TestNub>(platform(), "nub", std::to_string(i).c_str()));
    });
    Delivered firstMatch;
    std::this_thread::yield();
    NotifierHolder holder{watch(kIOFirstMatchNotification, "TestNub", firstMatch)};
    plugger.join();
    ASSERT_TRUE(quiet());
    ASSERT_EQ(nubs.size(), static_cast<size_t>(kNubs));
    for (auto& nub : nubs)
        EXPECT_EQ(firstMatch.countOf(nub->getRegistryEntryID()), 1u) << nub->getLocation();
}

// remove() stops a matching notification; disable/enable suspend it.
TEST_F(Notifications, RemovedOrDisabledNotifierIsSilent)
{
    Delivered seen;
    IONotifier* notifier = watch(kIOFirstMatchNotification, "TestNub", seen);
    ASSERT_TRUE(notifier);
    const bool was = notifier->disable();
    EXPECT_TRUE(was);
    auto one = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(seen.snapshot(), Calls{});
    notifier->enable(was);
    auto two = makeNub<TestNub>(platform(), "nub", "2");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(seen.snapshot(), Calls{"nub@2"});
    notifier->remove();
    auto three = makeNub<TestNub>(platform(), "nub", "3");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(seen.snapshot(), Calls{"nub@2"});
}

// Unknown notification types and missing arguments are refused.
TEST_F(Notifications, BadNotificationArgumentsRefused)
{
    Delivered seen;
    OSSharedPtr<OSDictionary> matching(IOService::serviceMatching("TestNub"), OSNoRetain);
    EXPECT_EQ(IOService::addMatchingNotification(symbol("IOServiceNoSuchType").get(), matching.get(),
                                                 &Delivered::handler, &seen),
              nullptr);
    EXPECT_EQ(IOService::addMatchingNotification(symbol(kIOMatchedNotification).get(), nullptr, &Delivered::handler,
                                                 &seen),
              nullptr);
    EXPECT_EQ(IOService::addMatchingNotification(symbol(kIOMatchedNotification).get(), matching.get(), nullptr, &seen),
              nullptr);
}

namespace {
struct InterestLog {
    std::mutex mutex;
    std::vector<std::pair<UInt32, uintptr_t>> messages;
    static IOReturn handler(void* target, void*, UInt32 type, IOService*, void* argument, vm_size_t)
    {
        auto* self = static_cast<InterestLog*>(target);
        std::lock_guard lock(self->mutex);
        self->messages.emplace_back(type, reinterpret_cast<uintptr_t>(argument));
        return kIOReturnSuccess;
    }
    std::vector<std::pair<UInt32, uintptr_t>> snapshot()
    {
        std::lock_guard lock(mutex);
        return messages;
    }
    size_t count(UInt32 type)
    {
        std::lock_guard lock(mutex);
        return static_cast<size_t>(std::count_if(messages.begin(), messages.end(),
                                                 [type](const auto& m) { return m.first == type; }));
    }
};
} // namespace

// spec 02 §4 item 5: kIOMessageServiceIsTerminated goes only to the interest
// handlers of the service that terminates; remove() stops them.
TEST_F(Notifications, InterestOnlyForOwnService)
{
    auto one = makeNub<TestNub>(platform(), "nub", "1");
    auto two = makeNub<TestNub>(platform(), "nub", "2");
    auto three = makeNub<TestNub>(platform(), "nub", "3");
    ASSERT_TRUE(quiet());
    InterestLog forOne, forTwo, forThree;
    auto general = symbol(kIOGeneralInterest);
    IONotifier* n1 = one->registerInterest(general.get(), &InterestLog::handler, &forOne);
    IONotifier* n2 = two->registerInterest(general.get(), &InterestLog::handler, &forTwo);
    IONotifier* n3 = three->registerInterest(general.get(), &InterestLog::handler, &forThree);
    ASSERT_TRUE(n1 && n2 && n3);

    one->terminate();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(forOne.count(kIOMessageServiceIsTerminated), 1u);
    EXPECT_EQ(forTwo.snapshot().size(), 0u);
    EXPECT_EQ(forThree.snapshot().size(), 0u);

    n2->remove();
    two->terminate();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(forTwo.snapshot().size(), 0u) << "a removed notifier was called";

    // messageClients reaches general interest too.
    three->messageClients(kIOMessageServicePropertyChange);
    EXPECT_EQ(forThree.count(kIOMessageServicePropertyChange), 1u);
    n3->remove();
    three->messageClients(kIOMessageServicePropertyChange);
    EXPECT_EQ(forThree.count(kIOMessageServicePropertyChange), 1u);
    n1->remove();
    EXPECT_EQ(one->registerInterest(symbol("NoSuchInterest").get(), &InterestLog::handler, &forOne), nullptr);
}

// A driver's own termination (via its nub) reaches its interest handlers too.
TEST_F(Notifications, InterestOnDriverWhenNubUnplugged)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    auto drivers = clientsOfClass(nub.get(), "TestDriverA");
    ASSERT_EQ(drivers.size(), 1u);
    InterestLog forDriver;
    IONotifier* notifier =
        drivers[0]->registerInterest(symbol(kIOGeneralInterest).get(), &InterestLog::handler, &forDriver);
    ASSERT_TRUE(notifier);
    nub->terminate();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(forDriver.count(kIOMessageServiceIsTerminated), 1u);
    notifier->remove();
}

// spec 02 §1.3 / DESIGN §3: kIOBusyInterest gets kIOMessageServiceBusyStateChange
// when the busy count goes 0 → 1 (argument 1) and back to 0 (argument 0).
TEST_F(Notifications, BusyInterestGetsBusyStateChanges)
{
    auto nub = makeNub<TestNub>(platform(), "nub", "1", nullptr, false);
    InterestLog busy, general;
    IONotifier* n1 = nub->registerInterest(symbol(kIOBusyInterest).get(), &InterestLog::handler, &busy);
    IONotifier* n2 = nub->registerInterest(symbol(kIOGeneralInterest).get(), &InterestLog::handler, &general);
    ASSERT_TRUE(n1 && n2);
    nub->registerService();
    ASSERT_TRUE(quiet());
    auto messages = busy.snapshot();
    ASSERT_GE(messages.size(), 2u);
    for (const auto& [type, argument] : messages)
        EXPECT_EQ(type, kIOMessageServiceBusyStateChange);
    EXPECT_EQ(messages.front().second, 1u) << "first: became busy";
    EXPECT_EQ(messages.back().second, 0u) << "last: became quiet";
    EXPECT_EQ(general.count(kIOMessageServiceBusyStateChange), 0u) << "busy changes went to general interest";

    nub->adjustBusy(1);
    nub->adjustBusy(1); // no crossing: no message
    nub->adjustBusy(-1);
    nub->adjustBusy(-1);
    auto after = busy.snapshot();
    ASSERT_EQ(after.size(), messages.size() + 2);
    EXPECT_EQ(after[messages.size()].second, 1u);
    EXPECT_EQ(after[messages.size() + 1].second, 0u);
    n1->remove();
    nub->adjustBusy(1);
    nub->adjustBusy(-1);
    EXPECT_EQ(busy.snapshot().size(), after.size());
    n2->remove();
}
