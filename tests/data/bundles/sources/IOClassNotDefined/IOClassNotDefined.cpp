// SPDX-License-Identifier: GPL-2.0-or-later
// A broken bundle: the personality's IOClass (com_example_iolab_test_MissingClass)
// is not the class this executable defines, so the loader must refuse it.
#include <IOKit/IOService.h>

class com_example_iolab_test_DefinedClass : public IOService {
    OSDeclareDefaultStructors(com_example_iolab_test_DefinedClass)
};

OSDefineMetaClassAndStructors(com_example_iolab_test_DefinedClass, IOService)
