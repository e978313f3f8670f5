// SPDX-License-Identifier: GPL-2.0-or-later
// The fixed-width type names that I/O Kit drivers use.
#pragma once

#ifdef __cplusplus
#include <cstddef>
#include <cstdint>
#else
#include <stddef.h>
#include <stdint.h>
#endif

typedef uint8_t UInt8;
typedef uint16_t UInt16;
typedef uint32_t UInt32;
typedef uint64_t UInt64;
typedef int8_t SInt8;
typedef int16_t SInt16;
typedef int32_t SInt32;
typedef int64_t SInt64;
#ifndef __cplusplus
#include <stdbool.h>
#endif
typedef unsigned char Boolean;
typedef UInt32 OSOptionBits;
