// SPDX-License-Identifier: GPL-2.0-or-later
// IOPMrootDomain: the root of the power plane. Power management arrives later;
// for now it is the service that system-wide power state will hang from.
#pragma once

#include <IOKit/IOService.h>

class IOPMrootDomain : public IOService {
    OSDeclareDefaultStructors(IOPMrootDomain)
};
