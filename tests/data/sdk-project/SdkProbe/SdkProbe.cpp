// SPDX-License-Identifier: GPL-2.0-or-later
// An I/O Kit driver built with the installed SDK: it matches IOResources once
// the IOKit resource is published and logs its start and stop.
#include <IOKit/IOLib.h>
#include <IOKit/IOService.h>

class com_example_iolab_sdk_SdkProbe : public IOService {
    OSDeclareDefaultStructors(com_example_iolab_sdk_SdkProbe)

public:
    bool start(IOService* provider) override;
    void stop(IOService* provider) override;
};

OSDefineMetaClassAndStructors(com_example_iolab_sdk_SdkProbe, IOService)

bool com_example_iolab_sdk_SdkProbe::start(IOService* provider)
{
    const bool started = IOService::start(provider);
    IOLog("SdkProbe::start on %s\n", provider->getName());
    return started;
}

void com_example_iolab_sdk_SdkProbe::stop(IOService* provider)
{
    IOLog("SdkProbe::stop\n");
    IOService::stop(provider);
}
