// SPDX-License-Identifier: GPL-2.0-or-later
// The registry's lifecycle and matching steps, and IOLog lines, reach the trace.
#include <IOKit/IOCatalogue.h>
#include <IOKit/IOLib.h>
#include <IOKit/IOService.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <gtest/gtest.h>

#include <algorithm>

class TracedDriver : public IOService {
    OSDeclareDefaultStructors(TracedDriver)

public:
    bool start(IOService* provider) override
    {
        IOLog("TracedDriver started\n");
        return IOService::start(provider);
    }
};

OSDefineMetaClassAndStructors(TracedDriver, IOService)

namespace {

using iolab::trace::Kind;

bool has(const std::vector<iolab::trace::Event>& events, Kind kind, uint64_t id, uint64_t arg0)
{
    return std::any_of(events.begin(), events.end(), [&](const iolab::trace::Event& event) {
        return event.kind == kind && event.registryID == id && event.args[0] == arg0;
    });
}

} // namespace

TEST(LifecycleTrace, MatchingAndLifecycleStepsAreRecorded)
{
    iolab::trace::flush();
    const uint64_t from = iolab::trace::read(0).next;
    uint64_t driverID = 0, resourcesID = 0;
    {
        iolab::Runtime runtime;
        resourcesID = runtime.resources()->getRegistryEntryID();
        OSSharedPtr<OSDictionary> personality(OSDictionary::withCapacity(4), OSNoRetain);
        personality->setObject(kIOClassKey, OSSharedPtr<OSString>(OSString::withCString("TracedDriver"), OSNoRetain).get());
        personality->setObject(kIOProviderClassKey, OSSharedPtr<OSString>(OSString::withCString("IOResources"), OSNoRetain).get());
        personality->setObject(kIOMatchCategoryKey, OSSharedPtr<OSString>(OSString::withCString("TracedDriver"), OSNoRetain).get());
        OSSharedPtr<OSArray> list(OSArray::withCapacity(1), OSNoRetain);
        list->setObject(personality.get());
        runtime.catalogue()->addDrivers(list.get());
        ASSERT_EQ(runtime.waitQuiet(10'000'000'000ull), kIOReturnSuccess);
        OSSharedPtr<OSArray> clients(runtime.resources()->copyChildren(gIOServicePlane), OSNoRetain);
        for (unsigned i = 0; i < clients->getCount(); ++i) {
            if (OSDynamicCast(TracedDriver, clients->getObject(i)))
                driverID = static_cast<IOService*>(clients->getObject(i))->getRegistryEntryID();
        }
        ASSERT_NE(driverID, 0u);
    } // shutdown terminates and stops the driver
    iolab::trace::flush();
    const auto events = iolab::trace::read(from).events;
    EXPECT_TRUE(std::any_of(events.begin(), events.end(),
                            [&](const auto& e) { return e.kind == Kind::MatchingBegin && e.registryID == resourcesID; }));
    EXPECT_TRUE(std::any_of(events.begin(), events.end(),
                            [&](const auto& e) { return e.kind == Kind::MatchingEnd && e.registryID == resourcesID; }));
    EXPECT_TRUE(has(events, Kind::ServiceAttach, driverID, resourcesID));
    EXPECT_TRUE(has(events, Kind::ServiceProbe, driverID, resourcesID));
    EXPECT_TRUE(has(events, Kind::ServiceStart, driverID, resourcesID));
    EXPECT_TRUE(has(events, Kind::ServiceStop, driverID, resourcesID));
    EXPECT_TRUE(std::any_of(events.begin(), events.end(),
                            [](const auto& e) { return e.kind == Kind::ServiceTerminate; }));
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const auto& e) {
        return e.kind == Kind::Log && e.payload == "TracedDriver started";
    }));
}
