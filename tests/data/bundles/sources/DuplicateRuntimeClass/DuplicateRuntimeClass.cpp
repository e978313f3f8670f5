// SPDX-License-Identifier: GPL-2.0-or-later
// A broken bundle: it defines IOResources, a class the runtime itself defines,
// with the same C++ symbols. It must be refused without disturbing the
// runtime's own IOResources.
#include <IOKit/IOService.h>

class IOResources : public IOService {
    OSDeclareDefaultStructors(IOResources)
};

OSDefineMetaClassAndStructors(IOResources, IOService)
