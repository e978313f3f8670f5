// SPDX-License-Identifier: GPL-2.0-or-later
// A generic kext that links against the TestLibrary kext: its start function
// calls into the library, so the library must be loaded first.
#include "../TestLibrary/TestLibrary.h"

#include <libkern/libkern.h>
#include <mach/mach_types.h>

extern "C" kern_return_t TestDependent_start(kmod_info_t* info, void* data);
extern "C" kern_return_t TestDependent_stop(kmod_info_t* info, void* data);

extern "C" kern_return_t TestDependent_start(kmod_info_t*, void*)
{
    printf("TestDependent: start, the library says %d\n", com_example_iolab_test_libraryAnswer());
    return KERN_SUCCESS;
}

extern "C" kern_return_t TestDependent_stop(kmod_info_t*, void*)
{
    printf("TestDependent: stop\n");
    return KERN_SUCCESS;
}
