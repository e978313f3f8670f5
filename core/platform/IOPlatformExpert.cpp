// SPDX-License-Identifier: GPL-2.0-or-later
#include <IOKit/IOPlatformExpert.h>
#include <IOKit/pwr_mgt/RootDomain.h>

OSDefineMetaClassAndStructors(IOPlatformExpertDevice, IOService)
OSDefineMetaClassAndStructors(IOResources, IOService)
OSDefineMetaClassAndStructors(IOPMrootDomain, IOService)

IOService* IOResources::resources()
{
    return IOService::getResourceService();
}
