// SPDX-License-Identifier: GPL-2.0-or-later
// A generic kext built with the installed SDK, with entry points named by
// MODULE_START and MODULE_STOP.
#include <libkern/libkern.h>
#include <mach/mach_types.h>

kern_return_t SdkHello_begin(kmod_info_t* info, void* data);
kern_return_t SdkHello_end(kmod_info_t* info, void* data);

kern_return_t SdkHello_begin(kmod_info_t* info, void* data)
{
    (void)data;
    printf("SdkHello: hello from %s\n", info->name);
    return KERN_SUCCESS;
}

kern_return_t SdkHello_end(kmod_info_t* info, void* data)
{
    (void)data;
    printf("SdkHello: goodbye from %s\n", info->name);
    return KERN_SUCCESS;
}
