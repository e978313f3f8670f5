// SPDX-License-Identifier: GPL-2.0-or-later
// A broken bundle: it defines com_osxkernel_driver_IOKitTest, the class of the
// IOKitTest sample, with the very same C++ symbols. Kexts share one symbol
// namespace, so it must be refused while IOKitTest is loaded.
#include <IOKit/IOService.h>

class com_osxkernel_driver_IOKitTest : public IOService {
    OSDeclareDefaultStructors(com_osxkernel_driver_IOKitTest)
};

OSDefineMetaClassAndStructors(com_osxkernel_driver_IOKitTest, IOService)
