// SPDX-License-Identifier: GPL-2.0-or-later
// An I/O Kit driver with no hardware: it matches IOResources once the IOKit
// resource is published and logs each step of its life.
#include <IOKit/IOLib.h>
#include <IOKit/IOService.h>

class com_osxkernel_driver_IOKitTest : public IOService {
    OSDeclareDefaultStructors(com_osxkernel_driver_IOKitTest)

public:
    bool init(OSDictionary* dictionary = nullptr) override;
    void free() override;
    IOService* probe(IOService* provider, SInt32* score) override;
    bool start(IOService* provider) override;
    void stop(IOService* provider) override;
};

#define super IOService

OSDefineMetaClassAndStructors(com_osxkernel_driver_IOKitTest, IOService)

// init, probe and start call their superclass first and then log;
// stop and free log first and call their superclass last.
bool com_osxkernel_driver_IOKitTest::init(OSDictionary* dictionary)
{
    bool result = super::init(dictionary);
    IOLog("IOKitTest::init\n");
    return result;
}

IOService* com_osxkernel_driver_IOKitTest::probe(IOService* provider, SInt32* score)
{
    IOService* result = super::probe(provider, score);
    IOLog("IOKitTest::probe\n");
    return result;
}

bool com_osxkernel_driver_IOKitTest::start(IOService* provider)
{
    bool result = super::start(provider);
    IOLog("IOKitTest::start\n");
    return result;
}

void com_osxkernel_driver_IOKitTest::stop(IOService* provider)
{
    IOLog("IOKitTest::stop\n");
    super::stop(provider);
}

void com_osxkernel_driver_IOKitTest::free()
{
    IOLog("IOKitTest::free\n");
    super::free();
}
