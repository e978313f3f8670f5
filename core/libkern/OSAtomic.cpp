// SPDX-License-Identifier: GPL-2.0-or-later
// libkern atomics on top of the compiler's __atomic builtins (sequentially consistent).
#include <libkern/OSAtomic.h>

#include <atomic>

namespace {
template <class T>
T addAtomic(T amount, volatile T* address)
{
    return __atomic_fetch_add(address, amount, __ATOMIC_SEQ_CST);
}
template <class T>
T andAtomic(T mask, volatile T* address)
{
    return __atomic_fetch_and(address, mask, __ATOMIC_SEQ_CST);
}
template <class T>
T orAtomic(T mask, volatile T* address)
{
    return __atomic_fetch_or(address, mask, __ATOMIC_SEQ_CST);
}
template <class T>
T xorAtomic(T mask, volatile T* address)
{
    return __atomic_fetch_xor(address, mask, __ATOMIC_SEQ_CST);
}
template <class T>
Boolean compareAndSwap(T oldValue, T newValue, volatile T* address)
{
    return __atomic_compare_exchange_n(address, &oldValue, newValue, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
} // namespace

SInt8 OSAddAtomic8(SInt32 amount, volatile SInt8* address) { return addAtomic<SInt8>(static_cast<SInt8>(amount), address); }
SInt16 OSAddAtomic16(SInt32 amount, volatile SInt16* address) { return addAtomic<SInt16>(static_cast<SInt16>(amount), address); }
SInt32 OSAddAtomic(SInt32 amount, volatile SInt32* address) { return addAtomic(amount, address); }
SInt64 OSAddAtomic64(SInt64 amount, volatile SInt64* address) { return addAtomic(amount, address); }
long OSAddAtomicLong(long amount, volatile long* address) { return addAtomic(amount, address); }

SInt8 OSIncrementAtomic8(volatile SInt8* address) { return OSAddAtomic8(1, address); }
SInt16 OSIncrementAtomic16(volatile SInt16* address) { return OSAddAtomic16(1, address); }
SInt32 OSIncrementAtomic(volatile SInt32* address) { return OSAddAtomic(1, address); }
SInt64 OSIncrementAtomic64(volatile SInt64* address) { return OSAddAtomic64(1, address); }
long OSIncrementAtomicLong(volatile long* address) { return OSAddAtomicLong(1, address); }

SInt8 OSDecrementAtomic8(volatile SInt8* address) { return OSAddAtomic8(-1, address); }
SInt16 OSDecrementAtomic16(volatile SInt16* address) { return OSAddAtomic16(-1, address); }
SInt32 OSDecrementAtomic(volatile SInt32* address) { return OSAddAtomic(-1, address); }
SInt64 OSDecrementAtomic64(volatile SInt64* address) { return OSAddAtomic64(-1, address); }
long OSDecrementAtomicLong(volatile long* address) { return OSAddAtomicLong(-1, address); }

UInt8 OSBitAndAtomic8(UInt32 mask, volatile UInt8* address) { return andAtomic<UInt8>(static_cast<UInt8>(mask), address); }
UInt16 OSBitAndAtomic16(UInt32 mask, volatile UInt16* address) { return andAtomic<UInt16>(static_cast<UInt16>(mask), address); }
UInt32 OSBitAndAtomic(UInt32 mask, volatile UInt32* address) { return andAtomic(mask, address); }
UInt8 OSBitOrAtomic8(UInt32 mask, volatile UInt8* address) { return orAtomic<UInt8>(static_cast<UInt8>(mask), address); }
UInt16 OSBitOrAtomic16(UInt32 mask, volatile UInt16* address) { return orAtomic<UInt16>(static_cast<UInt16>(mask), address); }
UInt32 OSBitOrAtomic(UInt32 mask, volatile UInt32* address) { return orAtomic(mask, address); }
UInt8 OSBitXorAtomic8(UInt32 mask, volatile UInt8* address) { return xorAtomic<UInt8>(static_cast<UInt8>(mask), address); }
UInt16 OSBitXorAtomic16(UInt32 mask, volatile UInt16* address) { return xorAtomic<UInt16>(static_cast<UInt16>(mask), address); }
UInt32 OSBitXorAtomic(UInt32 mask, volatile UInt32* address) { return xorAtomic(mask, address); }

Boolean OSCompareAndSwap(UInt32 oldValue, UInt32 newValue, volatile UInt32* address)
{
    return compareAndSwap(oldValue, newValue, address);
}

Boolean OSCompareAndSwap64(UInt64 oldValue, UInt64 newValue, volatile UInt64* address)
{
    return compareAndSwap(oldValue, newValue, address);
}

Boolean OSCompareAndSwapPtr(void* oldValue, void* newValue, void* volatile* address)
{
    return compareAndSwap(oldValue, newValue, address);
}

Boolean OSTestAndSet(UInt32 bit, volatile UInt8* startAddress)
{
    const UInt8 mask = static_cast<UInt8>(0x80u >> (bit & 7));
    return (orAtomic<UInt8>(mask, startAddress + (bit >> 3)) & mask) != 0;
}

Boolean OSTestAndClear(UInt32 bit, volatile UInt8* startAddress)
{
    const UInt8 mask = static_cast<UInt8>(0x80u >> (bit & 7));
    return (andAtomic<UInt8>(static_cast<UInt8>(~mask), startAddress + (bit >> 3)) & mask) == 0;
}

namespace {
inline void fullBarrier()
{
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer does not model standalone fences (GCC rejects them with
    // -fsanitize=thread); a sequentially consistent read-modify-write on a
    // shared word is also a full barrier, and one TSan understands.
    static std::atomic<unsigned> s_barrierWord{0};
    s_barrierWord.fetch_add(0, std::memory_order_seq_cst);
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}
} // namespace

void OSMemoryBarrier(void)
{
    fullBarrier();
}

void OSSynchronizeIO(void)
{
    fullBarrier();
}
