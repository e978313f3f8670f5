// SPDX-License-Identifier: GPL-2.0-or-later
// A broken bundle: it subclasses IOService and calls IOLog, both of which come
// from com.apple.kpi.iokit, but its OSBundleLibraries declare only
// com.apple.kpi.libkern. The loader must name the uncovered symbols.
#include <IOKit/IOLib.h>
#include <IOKit/IOService.h>

class com_example_iolab_test_UndefinedSymbol : public IOService {
    OSDeclareDefaultStructors(com_example_iolab_test_UndefinedSymbol)

public:
    bool start(IOService* provider) override;
};

OSDefineMetaClassAndStructors(com_example_iolab_test_UndefinedSymbol, IOService)

bool com_example_iolab_test_UndefinedSymbol::start(IOService* provider)
{
    IOLog("UndefinedSymbol::start\n");
    return IOService::start(provider);
}
