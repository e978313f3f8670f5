// SPDX-License-Identifier: GPL-2.0-or-later
// The client API against an in-process runtime: spec 02 §4 items 1–5
// (matching dictionaries, snapshot iterators, consumption, the arming rule of
// matching notifications, interest notifications on termination).
#include <IOKit/IOService.h>
#include <iolab/Runtime.h>
#include <iolab/client/Client.h>
#include <iolab/client/IOKitLib.h>

#include <gtest/gtest.h>

#include <poll.h>
#include <vector>

class ClientTestNub : public IOService {
    OSDeclareDefaultStructors(ClientTestNub)
};
OSDefineMetaClassAndStructors(ClientTestNub, IOService)

class ClientTestNubChild : public ClientTestNub {
    OSDeclareDefaultStructors(ClientTestNubChild)
};
OSDefineMetaClassAndStructors(ClientTestNubChild, ClientTestNub)

namespace {

class ClientTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_runtime = std::make_unique<iolab::Runtime>();
        m_runtime->waitQuiet();
        ASSERT_EQ(iolab::client::connectInProcess(*m_runtime), kIOReturnSuccess);
    }
    void TearDown() override
    {
        iolab::client::disconnect();
        for (IOService* nub : m_nubs)
            nub->release();
        m_runtime.reset();
    }

    template <class T>
    T* publish(const char* name)
    {
        auto* nub = new T;
        nub->init();
        nub->setName(name);
        nub->attach(m_runtime->platformDevice());
        nub->registerService();
        m_runtime->waitQuiet();
        m_nubs.push_back(nub);
        return nub;
    }

    std::vector<io_object_t> drain(io_iterator_t iterator)
    {
        std::vector<io_object_t> objects;
        while (io_object_t object = IOIteratorNext(iterator))
            objects.push_back(object);
        return objects;
    }

    std::unique_ptr<iolab::Runtime> m_runtime;
    std::vector<IOService*> m_nubs;
};

} // namespace

// Spec 02 §4 item 1: IOServiceMatching("X") is {IOProviderClass: "X"}; it
// matches subclasses, and IOObjectCopyClass gives the most-derived class.
TEST_F(ClientTest, ServiceMatchingMatchesSubclassesAndNamesTheRealClass)
{
    OSDictionary* matching = IOServiceMatching("ClientTestNub");
    ASSERT_NE(matching, nullptr);
    EXPECT_EQ(matching->getCount(), 1u);
    auto* provider = OSDynamicCast(OSString, matching->getObject(kIOProviderClassKey));
    ASSERT_NE(provider, nullptr);
    EXPECT_TRUE(provider->isEqualTo("ClientTestNub"));
    publish<ClientTestNub>("plain");
    publish<ClientTestNubChild>("child");
    io_iterator_t iterator = 0;
    ASSERT_EQ(IOServiceGetMatchingServices(kIOMainPortDefault, matching, &iterator), kIOReturnSuccess);
    std::vector<std::string> classes;
    for (io_object_t object : drain(iterator)) {
        OSSharedPtr<OSString> name(IOObjectCopyClass(object), OSNoRetain);
        classes.emplace_back(name->getCStringNoCopy());
        EXPECT_TRUE(IOObjectConformsTo(object, "ClientTestNub"));
        IOObjectRelease(object);
    }
    IOObjectRelease(iterator);
    std::sort(classes.begin(), classes.end());
    EXPECT_EQ(classes, (std::vector<std::string>{"ClientTestNub", "ClientTestNubChild"}));
}

// Spec 02 §4 item 2: the iterator is a snapshot; IOIteratorNext returns 0 at
// the end and keeps doing so; every object it returns holds a reference.
TEST_F(ClientTest, IteratorIsASnapshotAndEndsWithZero)
{
    publish<ClientTestNub>("first");
    io_iterator_t iterator = 0;
    ASSERT_EQ(IOServiceGetMatchingServices(kIOMainPortDefault, IOServiceMatching("ClientTestNub"), &iterator),
              kIOReturnSuccess);
    publish<ClientTestNub>("second"); // after the snapshot
    const auto objects = drain(iterator);
    ASSERT_EQ(objects.size(), 1u);
    io_name_t name;
    ASSERT_EQ(IORegistryEntryGetName(objects[0], name), kIOReturnSuccess);
    EXPECT_STREQ(name, "first");
    EXPECT_EQ(IOIteratorNext(iterator), 0u);
    EXPECT_EQ(IOIteratorNext(iterator), 0u);
    EXPECT_EQ(IOObjectRelease(objects[0]), kIOReturnSuccess);
    EXPECT_NE(IOObjectRelease(objects[0]), kIOReturnSuccess) << "the only reference was released";
    IOObjectRelease(iterator);
}

// Spec 02 §4 item 3: the dictionary is consumed even on failure; NULL gives kIOReturnBadArgument.
TEST_F(ClientTest, MatchingDictionaryIsConsumedEvenOnFailure)
{
    OSDictionary* matching = IOServiceMatching("ClientTestNub");
    matching->retain(); // keep one to observe
    io_iterator_t iterator = 0;
    ASSERT_EQ(IOServiceGetMatchingServices(kIOMainPortDefault, matching, &iterator), kIOReturnSuccess);
    EXPECT_EQ(matching->getRetainCount(), 1) << "the call consumed one reference";
    IOObjectRelease(iterator);
    matching->retain();
    EXPECT_EQ(IOServiceGetMatchingServices(kIOMainPortDefault, matching, nullptr), kIOReturnBadArgument);
    EXPECT_EQ(matching->getRetainCount(), 1) << "consumed on failure too";
    matching->release();
    EXPECT_EQ(IOServiceGetMatchingServices(kIOMainPortDefault, nullptr, &iterator), kIOReturnBadArgument);
}

namespace {
struct Callbacks {
    int matched = 0;
    std::vector<uint32_t> messages;
};
void onMatch(void* refcon, io_iterator_t)
{
    ++static_cast<Callbacks*>(refcon)->matched;
}
void onInterest(void* refcon, io_service_t, uint32_t messageType, void*)
{
    static_cast<Callbacks*>(refcon)->messages.push_back(messageType);
}
bool readable(int fd)
{
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 0) == 1;
}
} // namespace

// Spec 02 §4 item 4: existing services are in the iterator without a callback;
// while it is undrained new matches call nothing; after draining, the next
// arrival calls back exactly once.
TEST_F(ClientTest, MatchingNotificationsFollowTheArmingRule)
{
    publish<ClientTestNub>("existing");
    IONotificationPortRef port = IONotificationPortCreate(kIOMainPortDefault);
    ASSERT_NE(port, nullptr);
    Callbacks calls;
    io_iterator_t notification = 0;
    ASSERT_EQ(IOServiceAddMatchingNotification(port, kIOFirstMatchNotification, IOServiceMatching("ClientTestNub"),
                                               onMatch, &calls, &notification),
              kIOReturnSuccess);
    EXPECT_EQ(IONotificationPortDispatch(port), 0u) << "existing services cause no callback";

    publish<ClientTestNub>("while undrained");
    EXPECT_FALSE(readable(IONotificationPortGetFileDescriptor(port)));
    EXPECT_EQ(IONotificationPortDispatch(port), 0u) << "not armed until drained";

    auto first = drain(notification); // existing + the undrained arrival
    EXPECT_EQ(first.size(), 2u);
    for (io_object_t object : first)
        IOObjectRelease(object);

    publish<ClientTestNub>("armed");
    publish<ClientTestNub>("armed again");
    EXPECT_TRUE(readable(IONotificationPortGetFileDescriptor(port)));
    EXPECT_EQ(IONotificationPortDispatch(port), 1u);
    EXPECT_EQ(calls.matched, 1) << "exactly one callback until the iterator is drained again";
    auto second = drain(notification);
    EXPECT_EQ(second.size(), 2u);
    for (io_object_t object : second)
        IOObjectRelease(object);
    IOObjectRelease(notification);
    IONotificationPortDestroy(port);
}

// Spec 02 §4 item 5: terminating a service sends kIOMessageServiceIsTerminated
// to its own interest callbacks only; releasing the notification stops them.
TEST_F(ClientTest, InterestNotificationsOnTermination)
{
    ClientTestNub* watched = publish<ClientTestNub>("watched");
    ClientTestNub* other = publish<ClientTestNub>("other");
    io_service_t service = IOServiceGetMatchingService(kIOMainPortDefault, IOServiceNameMatching("watched"));
    io_service_t otherService = IOServiceGetMatchingService(kIOMainPortDefault, IOServiceNameMatching("other"));
    ASSERT_NE(service, 0u);
    ASSERT_NE(otherService, 0u);
    IONotificationPortRef port = IONotificationPortCreate(kIOMainPortDefault);
    Callbacks mine, theirs;
    io_object_t notification = 0, otherNotification = 0;
    ASSERT_EQ(IOServiceAddInterestNotification(port, service, kIOGeneralInterest, onInterest, &mine, &notification),
              kIOReturnSuccess);
    ASSERT_EQ(IOServiceAddInterestNotification(port, otherService, kIOGeneralInterest, onInterest, &theirs,
                                               &otherNotification),
              kIOReturnSuccess);
    watched->terminate(kIOServiceSynchronous);
    IONotificationPortDispatch(port);
    EXPECT_NE(std::find(mine.messages.begin(), mine.messages.end(), kIOMessageServiceIsTerminated), mine.messages.end());
    EXPECT_TRUE(theirs.messages.empty());

    IOObjectRelease(otherNotification);
    other->terminate(kIOServiceSynchronous);
    IONotificationPortDispatch(port);
    EXPECT_TRUE(theirs.messages.empty()) << "a released notification calls nothing";
    IOObjectRelease(notification);
    IOObjectRelease(service);
    IOObjectRelease(otherService);
    IONotificationPortDestroy(port);
}

// Spec 02 §4 item 6: without a setProperties override a write changes nothing
// and answers kIOReturnUnsupported.
TEST_F(ClientTest, SetPropertyWithoutOverrideIsUnsupported)
{
    publish<ClientTestNub>("target");
    io_service_t service = IOServiceGetMatchingService(kIOMainPortDefault, IOServiceNameMatching("target"));
    ASSERT_NE(service, 0u);
    OSSharedPtr<OSString> key(OSString::withCString("StopMessage"), OSNoRetain);
    OSSharedPtr<OSString> value(OSString::withCString("The driver has stopped"), OSNoRetain);
    EXPECT_EQ(IORegistryEntrySetCFProperty(service, key.get(), value.get()), kIOReturnUnsupported);
    OSSharedPtr<OSObject> read(IORegistryEntryCreateCFProperty(service, key.get(), nullptr, 0), OSNoRetain);
    EXPECT_EQ(read.get(), nullptr);
    IOObjectRelease(service);
}

TEST_F(ClientTest, RegistryWalkAndPaths)
{
    publish<ClientTestNub>("walker");
    io_registry_entry_t root = IORegistryGetRootEntry(kIOMainPortDefault);
    ASSERT_NE(root, 0u);
    io_name_t name;
    ASSERT_EQ(IORegistryEntryGetName(root, name), kIOReturnSuccess);
    EXPECT_STREQ(name, "Root");
    io_iterator_t children = 0;
    ASSERT_EQ(IORegistryEntryGetChildIterator(root, kIOServicePlane, &children), kIOReturnSuccess);
    std::vector<std::string> names;
    for (io_object_t child : drain(children)) {
        ASSERT_EQ(IORegistryEntryGetName(child, name), kIOReturnSuccess);
        names.emplace_back(name);
        IOObjectRelease(child);
    }
    EXPECT_NE(std::find(names.begin(), names.end(), "IOResources"), names.end());
    io_registry_entry_t walker = IORegistryEntryFromPath(kIOMainPortDefault, "IOService:/IOLab/walker");
    ASSERT_NE(walker, 0u);
    io_string_t path;
    ASSERT_EQ(IORegistryEntryGetPath(walker, kIOServicePlane, path), kIOReturnSuccess);
    EXPECT_STREQ(path, "IOService:/IOLab/walker");
    uint64_t id = 0;
    EXPECT_EQ(IORegistryEntryGetRegistryEntryID(walker, &id), kIOReturnSuccess);
    EXPECT_EQ(id, m_nubs.back()->getRegistryEntryID());
    EXPECT_EQ(IORegistryEntryFromPath(kIOMainPortDefault, "IOService:/IOLab/nothing"), 0u);
    IOObjectRelease(walker);
    IOObjectRelease(children);
    IOObjectRelease(root);
}
