// SPDX-License-Identifier: GPL-2.0-or-later
// libkern's atomic operations. Arithmetic and bit operations return the value
// the location held before the operation; compare-and-swap returns whether it
// stored. Every operation is sequentially consistent, as on I/O Kit.
#pragma once

#include <libkern/OSTypes.h>

SInt8 OSAddAtomic8(SInt32 amount, volatile SInt8* address);
SInt16 OSAddAtomic16(SInt32 amount, volatile SInt16* address);
SInt32 OSAddAtomic(SInt32 amount, volatile SInt32* address);
SInt64 OSAddAtomic64(SInt64 amount, volatile SInt64* address);
long OSAddAtomicLong(long amount, volatile long* address);

SInt8 OSIncrementAtomic8(volatile SInt8* address);
SInt16 OSIncrementAtomic16(volatile SInt16* address);
SInt32 OSIncrementAtomic(volatile SInt32* address);
SInt64 OSIncrementAtomic64(volatile SInt64* address);
long OSIncrementAtomicLong(volatile long* address);

SInt8 OSDecrementAtomic8(volatile SInt8* address);
SInt16 OSDecrementAtomic16(volatile SInt16* address);
SInt32 OSDecrementAtomic(volatile SInt32* address);
SInt64 OSDecrementAtomic64(volatile SInt64* address);
long OSDecrementAtomicLong(volatile long* address);

UInt8 OSBitAndAtomic8(UInt32 mask, volatile UInt8* address);
UInt16 OSBitAndAtomic16(UInt32 mask, volatile UInt16* address);
UInt32 OSBitAndAtomic(UInt32 mask, volatile UInt32* address);
UInt8 OSBitOrAtomic8(UInt32 mask, volatile UInt8* address);
UInt16 OSBitOrAtomic16(UInt32 mask, volatile UInt16* address);
UInt32 OSBitOrAtomic(UInt32 mask, volatile UInt32* address);
UInt8 OSBitXorAtomic8(UInt32 mask, volatile UInt8* address);
UInt16 OSBitXorAtomic16(UInt32 mask, volatile UInt16* address);
UInt32 OSBitXorAtomic(UInt32 mask, volatile UInt32* address);

Boolean OSCompareAndSwap(UInt32 oldValue, UInt32 newValue, volatile UInt32* address);
Boolean OSCompareAndSwap64(UInt64 oldValue, UInt64 newValue, volatile UInt64* address);
Boolean OSCompareAndSwapPtr(void* oldValue, void* newValue, void* volatile* address);

/// Sets bit `bit` of the bit string at `startAddress` (most significant bit of
/// each byte first) and returns true if it was already set.
Boolean OSTestAndSet(UInt32 bit, volatile UInt8* startAddress);
/// Clears bit `bit` and returns true if it was already clear.
Boolean OSTestAndClear(UInt32 bit, volatile UInt8* startAddress);

void OSMemoryBarrier(void);
void OSSynchronizeIO(void);
