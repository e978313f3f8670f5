// SPDX-License-Identifier: GPL-2.0-or-later
// The registry's change feed. Reference: DESIGN §3 (generation counter and
// change feed), spec 01 §3 item 32 (property changes show up live).
#include "TestDrivers.h"

#include <iolab/Registry.h>
#include <iolab/RegistryFeed.h>

#include <poll.h>

#include <thread>

using namespace iolab::test;
using iolab::RegistryChange;
using iolab::RegistryEvent;

namespace {

class Feed : public ::testing::Test {
protected:
    void SetUp() override { registry = std::make_unique<iolab::Registry>(); }
    void TearDown() override
    {
        registry.reset();
        EXPECT_EQ(IORegistryEntry::metaClass->getInstanceCount(), 0u);
    }
    static OSSharedPtr<IORegistryEntry> entry(const char* name)
    {
        OSSharedPtr<IORegistryEntry> made(new IORegistryEntry, OSNoRetain);
        EXPECT_TRUE(made->init());
        made->setName(name);
        return made;
    }
    std::unique_ptr<iolab::Registry> registry;
};

std::vector<RegistryEvent> eventsFor(const std::vector<RegistryEvent>& events, uint64_t id)
{
    std::vector<RegistryEvent> mine;
    for (const RegistryEvent& event : events) {
        if (event.entryID == id)
            mine.push_back(event);
    }
    return mine;
}

std::vector<RegistryChange> kinds(const std::vector<RegistryEvent>& events)
{
    std::vector<RegistryChange> result;
    for (const RegistryEvent& event : events)
        result.push_back(event.kind);
    return result;
}

bool readable(int fd)
{
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 0) == 1 && (entry.revents & POLLIN);
}

} // namespace

// Every kind of change arrives, for the right entry, in order, with growing generations.
TEST_F(Feed, ReportsChangesInOrder)
{
    auto subscription = registry->feed().subscribe();
    auto a = entry("a");
    const uint64_t id = a->getRegistryEntryID();
    const uint64_t rootID = registry->root()->getRegistryEntryID();
    subscription->drain(); // the naming above

    ASSERT_TRUE(a->attachToParent(registry->root(), gIOServicePlane));
    a->setProperty("k", "v");
    a->setName("b");
    a->setLocation("1");
    a->removeProperty("k");
    a->detachFromParent(registry->root(), gIOServicePlane);
    a.reset();

    auto batch = subscription->drain();
    EXPECT_FALSE(batch.overflowed);
    auto mine = eventsFor(batch.events, id);
    EXPECT_EQ(kinds(mine), (std::vector<RegistryChange>{RegistryChange::Attached, RegistryChange::PropertiesChanged,
                                                        RegistryChange::Renamed, RegistryChange::Renamed,
                                                        RegistryChange::PropertiesChanged, RegistryChange::Detached,
                                                        RegistryChange::Freed}));
    ASSERT_EQ(mine.size(), 7u);
    EXPECT_EQ(mine[0].otherID, rootID);
    EXPECT_EQ(mine[0].planeIndex, gIOServicePlane->index);
    EXPECT_EQ(mine[5].otherID, rootID);
    EXPECT_EQ(mine[5].planeIndex, gIOServicePlane->index);
    for (size_t i = 1; i < batch.events.size(); ++i)
        EXPECT_GT(batch.events[i].generation, batch.events[i - 1].generation) << "event " << i;
    EXPECT_EQ(batch.events.back().generation, static_cast<uint64_t>(IORegistryEntry::getGenerationCount()));
    EXPECT_STREQ(iolab::registryChangeName(RegistryChange::Attached), "attached");
    EXPECT_TRUE(subscription->drain().events.empty());
}

// A change that changes nothing (removing a missing property) is not an event.
TEST_F(Feed, NoEventWithoutChange)
{
    auto a = entry("a");
    auto subscription = registry->feed().subscribe();
    a->removeProperty("absent-property-name");
    a->detachFromParent(registry->root(), gIOServicePlane);
    EXPECT_TRUE(subscription->drain().events.empty());
}

// Busy and state changes of a service are StateChanged events carrying the state.
TEST_F(Feed, ServiceStateChanges)
{
    OSSharedPtr<IOService> service(new IOService, OSNoRetain);
    ASSERT_TRUE(service->init());
    auto subscription = registry->feed().subscribe();
    service->adjustBusy(1);
    service->adjustBusy(-1);
    auto mine = eventsFor(subscription->drain().events, service->getRegistryEntryID());
    EXPECT_EQ(kinds(mine), (std::vector<RegistryChange>{RegistryChange::StateChanged, RegistryChange::StateChanged}));
}

// A subscriber that falls behind loses events and is told so, once.
TEST_F(Feed, SmallSubscriptionOverflows)
{
    auto small = registry->feed().subscribe(4);
    auto large = registry->feed().subscribe();
    EXPECT_EQ(small->capacity(), 4u);
    auto a = entry("a");
    large->drain();
    small->drain();
    for (int i = 0; i < 10; ++i)
        a->setProperty("k", static_cast<unsigned long long>(i), 32);

    auto partial = small->drain(3);
    EXPECT_EQ(partial.events.size(), 3u);
    EXPECT_TRUE(partial.overflowed);
    auto rest = small->drain();
    EXPECT_EQ(rest.events.size(), 1u);
    EXPECT_FALSE(rest.overflowed) << "overflow is reported once";
    auto full = large->drain();
    EXPECT_EQ(full.events.size(), 10u) << "one slow subscriber must not cost another its events";
    EXPECT_FALSE(full.overflowed);

    // After catching up, the small one works normally again.
    a->setProperty("k", "again");
    auto after = small->drain();
    EXPECT_EQ(after.events.size(), 1u);
    EXPECT_FALSE(after.overflowed);
}

// eventFD is readable exactly while events wait.
TEST_F(Feed, EventFDReadableWhileEventsWait)
{
    auto subscription = registry->feed().subscribe();
    const int fd = subscription->eventFD();
    ASSERT_GE(fd, 0);
    auto a = entry("a");
    subscription->drain();
    EXPECT_FALSE(readable(fd));
    a->setProperty("k", "1");
    EXPECT_TRUE(readable(fd));
    a->setProperty("k", "2");
    a->setProperty("k", "3");
    EXPECT_TRUE(readable(fd));
    EXPECT_EQ(subscription->drain(1).events.size(), 1u);
    EXPECT_TRUE(readable(fd)) << "two events still wait";
    EXPECT_EQ(subscription->drain().events.size(), 2u);
    EXPECT_FALSE(readable(fd)) << "readable after a full drain";
    a->setProperty("k", "4");
    EXPECT_TRUE(readable(fd));
    subscription->drain();
    EXPECT_FALSE(readable(fd));
}

// A subscription that is dropped stops receiving, and the feed forgets it.
TEST_F(Feed, DroppedSubscriptionIsForgotten)
{
    const size_t before = registry->feed().subscriberCount();
    auto subscription = registry->feed().subscribe();
    EXPECT_EQ(registry->feed().subscriberCount(), before + 1);
    subscription.reset();
    auto a = entry("a");
    a->setProperty("k", "v"); // publishing prunes expired subscribers
    EXPECT_EQ(registry->feed().subscriberCount(), before);
}

// Events from several threads arrive in generation order, so a consumer can
// resynchronise from a snapshot by generation.
TEST_F(Feed, GenerationsIncreaseAcrossThreads)
{
    auto subscription = registry->feed().subscribe(1 << 20);
    std::vector<std::thread> threads;
    std::vector<OSSharedPtr<IORegistryEntry>> entries;
    for (int t = 0; t < 4; ++t)
        entries.push_back(entry("e"));
    subscription->drain();
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&entries, t] {
            for (int i = 0; i < 5000; ++i)
                entries[static_cast<size_t>(t)]->setProperty("k", static_cast<unsigned long long>(i), 32);
        });
    }
    for (auto& thread : threads)
        thread.join();
    auto batch = subscription->drain();
    ASSERT_EQ(batch.events.size(), 20000u);
    size_t outOfOrder = 0;
    for (size_t i = 1; i < batch.events.size(); ++i)
        outOfOrder += batch.events[i].generation <= batch.events[i - 1].generation;
    EXPECT_EQ(outOfOrder, 0u) << "events were published out of generation order";
}
