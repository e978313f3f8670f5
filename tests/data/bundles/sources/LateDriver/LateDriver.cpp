// SPDX-License-Identifier: GPL-2.0-or-later
// An I/O Kit driver whose provider class (KextTestNub) is not in the registry
// when the kext loads: it must stay uninstantiated until such a nub appears.
#include <IOKit/IOLib.h>
#include <IOKit/IOService.h>

class com_example_iolab_test_LateDriver : public IOService {
    OSDeclareDefaultStructors(com_example_iolab_test_LateDriver)

public:
    bool start(IOService* provider) override;
    void stop(IOService* provider) override;
    void free() override;
};

OSDefineMetaClassAndStructors(com_example_iolab_test_LateDriver, IOService)

bool com_example_iolab_test_LateDriver::start(IOService* provider)
{
    const bool started = IOService::start(provider);
    IOLog("LateDriver::start on %s\n", provider->getName());
    return started;
}

void com_example_iolab_test_LateDriver::stop(IOService* provider)
{
    IOLog("LateDriver::stop\n");
    IOService::stop(provider);
}

void com_example_iolab_test_LateDriver::free()
{
    IOLog("LateDriver::free\n");
    IOService::free();
}
