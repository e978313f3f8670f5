// SPDX-License-Identifier: GPL-2.0-or-later
// A library kext (it has OSBundleCompatibleVersion, no personalities): a base
// class and a function that other kexts link against through OSBundleLibraries.
#include "TestLibrary.h"

#include <IOKit/IOLib.h>

OSDefineMetaClassAndStructors(com_example_iolab_test_LibraryService, IOService)

extern "C" int com_example_iolab_test_libraryAnswer(void)
{
    IOLog("TestLibrary: asked for the answer\n");
    return 42;
}
