// SPDX-License-Identifier: GPL-2.0-or-later
// The versioned C record every driver bundle's executable exports (written by
// the SDK's iolab_add_kext, not by hand). The loader checks it before anything
// of the bundle runs beyond its static constructors.
#pragma once

#include <mach/kmod.h>

#include <cstdint>

#define IOLAB_KEXT_ABI_VERSION 1u
#define IOLAB_KEXT_RECORD_SYMBOL "iolab_kext_record"

extern "C" {

struct iolab_kext_record {
    uint32_t abiVersion;          ///< IOLAB_KEXT_ABI_VERSION when built
    uint32_t size;                ///< sizeof(struct iolab_kext_record) when built
    const char* bundleIdentifier; ///< as configured (checked against Info.plist)
    kmod_start_func_t* start;     ///< generic kexts: the MODULE_START function, or NULL
    kmod_stop_func_t* stop;       ///< generic kexts: the MODULE_STOP function, or NULL
    const char* sdkVersion;       ///< IOLab version the bundle was built with
};
}
