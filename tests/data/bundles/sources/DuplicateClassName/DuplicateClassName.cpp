// SPDX-License-Identifier: GPL-2.0-or-later
// A broken bundle: its class lives in a C++ namespace, so none of its symbols
// collide with IOKitTest's, but its metaclass registers the same class name,
// com_osxkernel_driver_IOKitTest. Class names are global: it must be refused
// while IOKitTest is loaded.
#include <IOKit/IOService.h>

namespace duplicate {

class com_osxkernel_driver_IOKitTest : public IOService {
    OSDeclareDefaultStructors(com_osxkernel_driver_IOKitTest)
};

OSDefineMetaClassAndStructors(com_osxkernel_driver_IOKitTest, IOService)

} // namespace duplicate
