// SPDX-License-Identifier: GPL-2.0-or-later
// I/O Kit's kernel library: logging, memory, delays and kernel threads.
#pragma once

#include <IOKit/IOLocks.h>
#include <IOKit/IOTypes.h>
#include <cstdarg>

/// Appends a formatted line to the IOLog ring (see iolab/LogRing.h).
/// Safe from any thread; lines longer than the ring's line limit are cut.
void IOLog(const char* format, ...) __attribute__((format(printf, 1, 2)));
void IOLogv(const char* format, va_list arguments) __attribute__((format(printf, 1, 0)));

/// The readable text of an I/O Kit return code ("invalid argument").
const char* IOStringFromReturn(IOReturn code);

// --- memory ----------------------------------------------------------------------------
// Every block remembers its size; a free with a different size (or of a block
// from another allocator) is reported and counted, never silently accepted.

/// Zero-filled as on current I/O Kit. Reported in primary-interrupt context.
void* IOMalloc(vm_size_t size);
void* IOMallocZero(vm_size_t size);
void IOFree(void* address, vm_size_t size);
/// `alignment` is rounded up to a power of two.
void* IOMallocAligned(vm_size_t size, vm_offset_t alignment);
void IOFreeAligned(void* address, vm_size_t size);
void* IOMallocData(vm_size_t size);
void IOFreeData(void* address, vm_size_t size);

#define IONew(type, count) (type*)IOMalloc(sizeof(type) * (count))
#define IODelete(ptr, type, count) IOFree((ptr), sizeof(type) * (count))

// --- time ------------------------------------------------------------------------------

/// Sleeps the thread for `milliseconds` on the runtime clock.
void IOSleep(unsigned milliseconds);
void IOSleepWithLeeway(unsigned intervalMilliseconds, unsigned leewayMilliseconds);
/// Busy-waits (it never sleeps), as drivers use it for short hardware delays.
void IODelay(unsigned microseconds);
void IOPause(unsigned nanoseconds);

enum {
    kNanosecondScale = 1,
    kMicrosecondScale = 1000,
    kMillisecondScale = 1000 * 1000,
    kSecondScale = 1000 * 1000 * 1000,
    kTickScale = (kSecondScale / 100),
};

/// The runtime clock in nanoseconds (what IOTimerEventSource deadlines use).
void clock_get_uptime(uint64_t* result);
void nanoseconds_to_absolutetime(uint64_t nanoseconds, uint64_t* result);
void absolutetime_to_nanoseconds(uint64_t absoluteTime, uint64_t* result);
void clock_interval_to_deadline(uint32_t interval, uint32_t scaleFactor, uint64_t* result);

// --- kernel threads -------------------------------------------------------------------------

typedef void (*thread_continue_t)(void* parameter, wait_result_t wait_result);
/// Starts `continuation(parameter, 0)` on a new named thread. The caller gets a
/// reference in *newThread and must drop it with thread_deallocate.
kern_return_t kernel_thread_start(thread_continue_t continuation, void* parameter, thread_t* newThread);
void thread_deallocate(thread_t thread);
thread_t current_thread(void);

namespace iolab {
struct MallocStatistics {
    uint64_t liveBlocks = 0;
    uint64_t liveBytes = 0;     ///< as accounted: blocks of a page or more count whole pages
    uint64_t mismatchedFrees = 0;
};
MallocStatistics mallocStatistics();
/// Kernel threads started with kernel_thread_start that are still running.
unsigned runningKernelThreads();
/// Waits up to `timeoutNs` (real time) for every kernel thread to finish.
bool waitForKernelThreads(uint64_t timeoutNs);
} // namespace iolab
