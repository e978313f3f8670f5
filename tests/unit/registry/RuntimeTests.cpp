// SPDX-License-Identifier: GPL-2.0-or-later
// The booted runtime's registry: its shape after boot, the planes, providers as
// parents, paths and name search, live property changes, and clean shutdown.
// Reference: spec 01 §1.6 and §3 items 29–32; DESIGN §3.
#include "TestDrivers.h"

#include <IOKit/IOPlatformExpert.h>
#include <IOKit/pwr_mgt/RootDomain.h>
#include <iolab/Registry.h>

#include <dirent.h>

#include <chrono>
#include <cstdio>
#include <set>

using namespace iolab::test;
using Names = std::vector<std::string>;

namespace {

class RuntimeRegistry : public RuntimeTest {};

/// Every entry of `plane`, depth first from the root.
std::vector<IORegistryEntry*> everything(const IORegistryPlane* plane, OSSharedPtr<OSOrderedSet>& keep)
{
    OSSharedPtr<IORegistryIterator> walk(IORegistryIterator::iterateOver(plane, kIORegistryIterateRecursively),
                                         OSNoRetain);
    keep.reset(walk->iterateAll(), OSNoRetain);
    std::vector<IORegistryEntry*> entries;
    for (unsigned i = 0; i < keep->getCount(); ++i)
        entries.push_back(static_cast<IORegistryEntry*>(keep->getObject(i)));
    return entries;
}

size_t threadCount()
{
    size_t count = 0;
    if (DIR* dir = ::opendir("/proc/self/task")) {
        while (dirent* item = ::readdir(dir)) {
            if (item->d_name[0] != '.')
                ++count;
        }
        ::closedir(dir);
    }
    return count;
}

std::map<std::string, unsigned> allInstanceCounts()
{
    std::map<std::string, unsigned> counts;
    for (const OSMetaClass* meta : OSMetaClass::allClasses())
        counts[meta->getClassName()] = meta->getInstanceCount();
    return counts;
}

std::string differences(const std::map<std::string, unsigned>& before, const std::map<std::string, unsigned>& after)
{
    std::string text;
    for (const auto& [name, count] : after) {
        auto it = before.find(name);
        const unsigned was = it == before.end() ? 0 : it->second;
        if (was != count)
            text += name + ": " + std::to_string(was) + " -> " + std::to_string(count) + "\n";
    }
    return text;
}

} // namespace

// spec 01 §3 item 30: the root chain is Root → IOPlatformExpertDevice; IOResources
// hangs from Root; IOPMrootDomain is a client of the platform and the root of IOPower.
TEST_F(RuntimeRegistry, BootBuildsTheRootChain)
{
    IORegistryEntry* root = IORegistryEntry::getRegistryRoot();
    ASSERT_TRUE(root);
    EXPECT_STREQ(root->getName(), "Root");
    IOService* machine = platform();
    ASSERT_TRUE(OSDynamicCast(IOPlatformExpertDevice, machine));
    EXPECT_EQ(IOService::getServiceRoot(), machine);
    EXPECT_EQ(machine->getParentEntry(gIOServicePlane), root);
    EXPECT_EQ(machine->getProvider(), nullptr) << "Root is not a service";
    EXPECT_STREQ(machine->getName(), "IOLab");
    EXPECT_EQ(machine->path(gIOServicePlane), "IOService:/IOLab");

    ASSERT_TRUE(OSDynamicCast(IOResources, resources()));
    EXPECT_EQ(IOService::getResourceService(), resources());
    EXPECT_EQ(IOResources::resources(), resources());
    EXPECT_EQ(resources()->getParentEntry(gIOServicePlane), root);
    EXPECT_EQ(resources()->path(gIOServicePlane), "IOService:/IOResources");
    EXPECT_TRUE(resources()->getProperty(kIOKitResourceKey)) << "the IOKit resource is published at boot";

    IOService* domain = runtime->rootDomain();
    ASSERT_TRUE(OSDynamicCast(IOPMrootDomain, domain));
    EXPECT_EQ(domain->getProvider(), machine);
    EXPECT_EQ(domain->path(gIOServicePlane), "IOService:/IOLab/IOPMrootDomain");
    EXPECT_EQ(domain->path(gIOPowerPlane), "IOPower:/IOPMrootDomain");

    for (IOService* service : {machine, resources(), domain}) {
        EXPECT_TRUE(service->getState() & kIOServiceRegisteredState) << service->getName();
        EXPECT_TRUE(service->getState() & kIOServiceMatchedState) << service->getName();
        EXPECT_FALSE(service->isInactive());
        EXPECT_EQ(service->getBusyState(), 0u);
    }
    EXPECT_EQ(gIOCatalogue, runtime->catalogue());
    EXPECT_EQ(iolab::Runtime::current(), runtime.get());
    EXPECT_EQ(iolab::Registry::current(), &runtime->registry());
}

// The platform device's name comes from the runtime options.
TEST(RuntimeBoot, MachineNameOption)
{
    iolab::RuntimeOptions options;
    options.machineName = "TestMachine";
    iolab::Runtime runtime(options);
    EXPECT_STREQ(runtime.platformDevice()->getName(), "TestMachine");
    OSSharedPtr<IORegistryEntry> found(IORegistryEntry::fromPath("IOService:/TestMachine"), OSNoRetain);
    EXPECT_EQ(found.get(), runtime.platformDevice());
}

// spec 01 §3 item 29: the IOService plane holds every service; IOPower only what
// was attached there; IODeviceTree does not change on hot-plug.
TEST_F(RuntimeRegistry, ServicePlaneHoldsEveryService)
{
    OSSharedPtr<OSOrderedSet> dtBefore;
    const auto deviceTreeBefore = everything(gIODTPlane, dtBefore);
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get(),
                                  personality("TestDriverB", kIOResourcesClass, -1, "B")
                                      .string(kIOResourceMatchKey, kIOKitResourceKey)
                                      .get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    auto powered = makeNub<TestNub>(platform(), "powered", "2");
    ASSERT_TRUE(powered->attachToParent(runtime->rootDomain(), gIOPowerPlane));
    ASSERT_TRUE(quiet());

    OSSharedPtr<OSOrderedSet> keep;
    const auto service = everything(gIOServicePlane, keep);
    std::set<IORegistryEntry*> inService(service.begin(), service.end());
    std::vector<IOService*> expected{platform(), resources(), runtime->rootDomain(), nub.get(), powered.get()};
    for (auto& driver : clientsOf(nub.get()))
        expected.push_back(driver.get());
    for (auto& driver : clientsOf(powered.get()))
        expected.push_back(driver.get());
    for (auto& driver : clientsOf(resources()))
        expected.push_back(driver.get());
    EXPECT_EQ(expected.size(), 8u);
    for (IOService* s : expected)
        EXPECT_TRUE(inService.count(s)) << s->getName() << " is missing from the IOService plane";
    for (IORegistryEntry* e : service)
        EXPECT_TRUE(OSDynamicCast(IOService, e)) << e->getName() << " in IOService is not a service";

    OSSharedPtr<OSOrderedSet> keepPower;
    Names power;
    for (IORegistryEntry* e : everything(gIOPowerPlane, keepPower))
        power.emplace_back(e->getName());
    EXPECT_EQ(power, (Names{"IOPMrootDomain", "powered"})) << "IOPower holds only power-managed objects";
    EXPECT_FALSE(nub->inPlane(gIOPowerPlane));

    nub->terminate();
    ASSERT_TRUE(quiet());
    OSSharedPtr<OSOrderedSet> dtAfter;
    EXPECT_EQ(everything(gIODTPlane, dtAfter), deviceTreeBefore) << "IODeviceTree changed on hot-plug";
    powered->detachFromParent(runtime->rootDomain(), gIOPowerPlane);
}

// spec 01 §3 item 30 / §1.6: a provider is the parent of its clients.
TEST_F(RuntimeRegistry, ProviderIsParent)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    auto drivers = clientsOf(nub.get());
    ASSERT_EQ(drivers.size(), 1u);
    IOService* driver = drivers[0].get();
    EXPECT_EQ(driver->getProvider(), nub.get());
    EXPECT_EQ(driver->getParentEntry(gIOServicePlane), nub.get());
    EXPECT_TRUE(driver->isParent(nub.get(), gIOServicePlane, true));
    EXPECT_TRUE(nub->isChild(driver, gIOServicePlane));
    EXPECT_EQ(nub->getClient(), driver);
    EXPECT_EQ(nub->getProvider(), platform());
    OSSharedPtr<OSIterator> clients(nub->getClientIterator(), OSNoRetain);
    EXPECT_EQ(clients->getNextObject(), driver);
    EXPECT_EQ(clients->getNextObject(), nullptr);
    OSSharedPtr<OSIterator> providers(driver->getProviderIterator(), OSNoRetain);
    EXPECT_EQ(providers->getNextObject(), nub.get());
    EXPECT_EQ(driver->getDepth(gIOServicePlane), 3u) << "Root → IOLab → nub → driver";
}

// spec 01 §3 item 31: paths name every entry; name search is a matching lookup;
// the registry is rebuilt at each start.
TEST_F(RuntimeRegistry, PathsAndNameSearch)
{
    auto a = personality("TestDriverA", "TestNub");
    a.boolean(kTestRegisterKey, true); // lookups only see registered services
    ASSERT_TRUE(addPersonalities({a.get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    auto other = makeNub<TestNub>(platform(), "other", "2");
    ASSERT_TRUE(quiet());
    auto drivers = clientsOf(nub.get());
    ASSERT_EQ(drivers.size(), 1u);
    EXPECT_EQ(nub->path(gIOServicePlane), "IOService:/IOLab/nub@1");
    EXPECT_EQ(drivers[0]->path(gIOServicePlane), "IOService:/IOLab/nub@1/TestDriverA");
    OSSharedPtr<IORegistryEntry> found(IORegistryEntry::fromPath("IOService:/IOLab/nub@1/TestDriverA"), OSNoRetain);
    EXPECT_EQ(found.get(), drivers[0].get());

    OSSharedPtr<OSDictionary> byName(IOService::nameMatching("other"), OSNoRetain);
    OSSharedPtr<OSIterator> named(IOService::getMatchingServices(byName.get()), OSNoRetain);
    EXPECT_EQ(named->getNextObject(), other.get());
    EXPECT_EQ(named->getNextObject(), nullptr);
    OSSharedPtr<OSDictionary> byClassName(IOService::nameMatching("TestDriverA"), OSNoRetain);
    OSSharedPtr<IOService> driver(IOService::copyMatchingService(byClassName.get()), OSNoRetain);
    EXPECT_EQ(driver.get(), drivers[0].get()) << "an unnamed service is found by its class name";
    OSSharedPtr<OSDictionary> none(IOService::nameMatching("nobody"), OSNoRetain);
    EXPECT_EQ(IOService::copyMatchingService(none.get()), nullptr);

    // A new boot starts from an empty registry.
    const uint64_t lastID = other->getRegistryEntryID();
    drivers.clear();
    driver.reset();
    found.reset();
    nub.reset();
    other.reset();
    runtime.reset();
    runtime = std::make_unique<iolab::Runtime>();
    ASSERT_TRUE(quiet());
    EXPECT_EQ(IORegistryEntry::fromPath("IOService:/IOLab/nub@1"), nullptr);
    EXPECT_EQ(gIOCatalogue->personalityCount(), 0u);
    EXPECT_GT(platform()->getRegistryEntryID(), lastID) << "IDs are never reused";
}

// spec 01 §3 item 32: property changes show up live in the change feed, and a
// device node path a family publishes is a property.
TEST_F(RuntimeRegistry, PropertyChangesShowUpInFeed)
{
    auto subscription = runtime->registry().feed().subscribe();
    auto nub = makeNub<TestNub>(platform(), "serial", "1");
    ASSERT_TRUE(quiet());
    nub->setProperty("IOTTYDevice", "/dev/cu.iolab-serial");
    nub->setProperty("BaudRate", 115200ull, 32);
    nub->terminate();
    ASSERT_TRUE(quiet());
    auto events = subscription->drain();
    EXPECT_FALSE(events.overflowed);
    std::vector<iolab::RegistryEvent> mine;
    for (const auto& event : events.events) {
        if (event.entryID == nub->getRegistryEntryID())
            mine.push_back(event);
    }
    // The story of the nub, in order: attached to the platform, registered,
    // matched, two property changes, made inactive, detached.
    std::vector<std::string> story;
    for (const auto& event : mine) {
        std::string step;
        switch (event.kind) {
        case iolab::RegistryChange::Attached:
            EXPECT_EQ(event.otherID, platform()->getRegistryEntryID());
            EXPECT_EQ(event.planeIndex, gIOServicePlane->index);
            step = "attached";
            break;
        case iolab::RegistryChange::Detached:
            EXPECT_EQ(event.otherID, platform()->getRegistryEntryID());
            step = "detached";
            break;
        case iolab::RegistryChange::PropertiesChanged:
            step = "properties";
            break;
        case iolab::RegistryChange::StateChanged:
            if (event.state & kIOServiceInactiveState)
                step = "inactive";
            else if (event.state & kIOServiceMatchedState)
                step = "matched";
            else if (event.state & kIOServiceRegisteredState)
                step = "registered";
            break;
        default:
            break;
        }
        if (!step.empty() && (story.empty() || story.back() != step))
            story.push_back(step);
    }
    EXPECT_EQ(story, (std::vector<std::string>{"attached", "registered", "matched", "properties", "inactive",
                                               "detached", "inactive"}));
    auto* node = OSDynamicCast(OSString, nub->getProperty("IOTTYDevice"));
    ASSERT_TRUE(node);
    EXPECT_STREQ(node->getCStringNoCopy(), "/dev/cu.iolab-serial");
}

// Shutdown stops and frees every driver, joins its threads, and can be repeated.
TEST_F(RuntimeRegistry, ShutdownStopsEverything)
{
    auto a = personality("TestDriverA", kIOResourcesClass, -1, "A");
    a.string(kIOResourceMatchKey, kIOKitResourceKey);
    ASSERT_TRUE(addPersonalities({a.get(), personality("TestDriverB", "TestNub").get()}));
    {
        auto nub = makeNub<TestNub>(platform(), "nub", "1");
        ASSERT_TRUE(quiet());
    }
    ASSERT_EQ(CallLog::count("TestDriverA::start"), 1u);
    ASSERT_EQ(CallLog::count("TestDriverB::start"), 1u);
    runtime->shutdown();
    EXPECT_EQ(CallLog::count("TestDriverA::stop"), 1u);
    EXPECT_EQ(CallLog::count("TestDriverB::stop"), 1u);
    EXPECT_EQ(CallLog::count("TestNub::free"), 1u);
    EXPECT_EQ(liveTestInstances(), "");
    EXPECT_EQ(iolab::Runtime::current(), nullptr);
    EXPECT_EQ(iolab::Registry::current(), nullptr);
    EXPECT_EQ(gIOCatalogue, nullptr);
    EXPECT_EQ(IORegistryEntry::getRegistryRoot(), nullptr);
    runtime->shutdown(); // a second shutdown does nothing
}

// Booting and shutting down 1,000 times leaves every class's instance count and
// the thread count where they were after the first cycle.
TEST(RuntimeBoot, ThousandBootsLeaveNothingBehind)
{
    constexpr int kBoots = 1000;
    auto cycle = [] {
        iolab::Runtime runtime;
        OSSharedPtr<TestNub> nub = makeNub<TestNub>(runtime.platformDevice(), "nub", "1");
        ASSERT_EQ(runtime.waitQuiet(kDeadlineNs), kIOReturnSuccess);
    };
    cycle(); // warm-up: lazily made symbols and caches
    const auto baseline = allInstanceCounts();
    const size_t threads = threadCount();
    const auto began = std::chrono::steady_clock::now();
    for (int i = 0; i < kBoots; ++i) {
        cycle();
        if (::testing::Test::HasFatalFailure())
            return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::printf("[ timing   ] %d boot/shutdown cycles took %.3f s (%.3f ms each)\n", kBoots, seconds,
                seconds * 1000.0 / kBoots);
    RecordProperty("boot_cycles_seconds", std::to_string(seconds));
    EXPECT_EQ(differences(baseline, allInstanceCounts()), "") << "instance counts changed";
    EXPECT_EQ(threadCount(), threads) << "threads were left behind";
    EXPECT_EQ(iolab::Runtime::current(), nullptr);
}
