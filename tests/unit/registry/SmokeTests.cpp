// SPDX-License-Identifier: GPL-2.0-or-later
#include <IOKit/IOCatalogue.h>
#include <IOKit/IOLib.h>
#include <IOKit/IOService.h>
#include <iolab/LogRing.h>
#include <iolab/Runtime.h>

#include <gtest/gtest.h>

class SmokeDriver : public IOService {
    OSDeclareDefaultStructors(SmokeDriver)

public:
    bool start(IOService* provider) override
    {
        IOLog("SmokeDriver::start\n");
        return IOService::start(provider);
    }
    void stop(IOService* provider) override
    {
        IOLog("SmokeDriver::stop\n");
        IOService::stop(provider);
    }
};
OSDefineMetaClassAndStructors(SmokeDriver, IOService)

TEST(RuntimeSmoke, DriverOnIOResourcesStartsAndStops)
{
    {
        iolab::Runtime runtime;
        OSSharedPtr<OSDictionary> personality(OSDictionary::withCapacity(4), OSNoRetain);
        personality->setObject(kIOClassKey, OSSharedPtr<OSString>(OSString::withCString("SmokeDriver"), OSNoRetain).get());
        personality->setObject(kIOProviderClassKey,
                               OSSharedPtr<OSString>(OSString::withCString("IOResources"), OSNoRetain).get());
        personality->setObject(kIOResourceMatchKey, OSSharedPtr<OSString>(OSString::withCString("IOKit"), OSNoRetain).get());
        personality->setObject(kIOMatchCategoryKey,
                               OSSharedPtr<OSString>(OSString::withCString("SmokeDriver"), OSNoRetain).get());
        OSSharedPtr<OSArray> list(OSArray::withCapacity(1), OSNoRetain);
        list->setObject(personality.get());
        runtime.catalogue()->addDrivers(list.get());
        ASSERT_EQ(runtime.waitQuiet(5'000'000'000ull), kIOReturnSuccess);
        EXPECT_EQ(SmokeDriver::metaClass->getInstanceCount(), 1u);
    }
    EXPECT_EQ(SmokeDriver::metaClass->getInstanceCount(), 0u);
    EXPECT_EQ(IOService::metaClass->getInstanceCount(), 0u);
    EXPECT_EQ(IORegistryEntry::metaClass->getInstanceCount(), 0u);
}

