// SPDX-License-Identifier: GPL-2.0-or-later
// Basic I/O Kit types.
#pragma once

#include <IOKit/IOReturn.h>
#include <libkern/OSTypes.h>
#include <mach/mach_types.h>

#ifndef NULL
#define NULL nullptr
#endif

typedef UInt32 IOOptionBits;
typedef SInt32 IOFixed;
typedef UInt32 IOVersion;
typedef UInt32 IOItemCount;
typedef UInt32 IOCacheMode;
typedef UInt32 IOByteCount32;
typedef UInt64 IOByteCount64;
typedef UInt64 IOByteCount;
typedef UInt64 IOPhysicalAddress64;
typedef UInt64 IOPhysicalAddress;
typedef UInt64 IOPhysicalLength;
typedef UInt64 IOVirtualAddress;
typedef UInt64 IOAddressRange_t;
typedef IOVirtualAddress IOLogicalAddress;
typedef UInt32 IODirection;
typedef UInt64 IORegistryEntryID;

struct IOVirtualRange {
    IOVirtualAddress address;
    IOByteCount length;
};
struct IOAddressRange {
    mach_vm_address_t address;
    mach_vm_size_t length;
};
