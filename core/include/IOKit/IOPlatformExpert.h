// SPDX-License-Identifier: GPL-2.0-or-later
// The platform's root service and I/O Kit's resource nub.
#pragma once

#include <IOKit/IOService.h>

/// The machine: the service-plane child of Root that every bus hangs from.
class IOPlatformExpertDevice : public IOService {
    OSDeclareDefaultStructors(IOPlatformExpertDevice)
};

/// The nub for drivers without hardware; published resources are its properties.
class IOResources : public IOService {
    OSDeclareDefaultStructors(IOResources)

public:
    static IOService* resources();
};
