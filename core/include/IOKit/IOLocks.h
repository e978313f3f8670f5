// SPDX-License-Identifier: GPL-2.0-or-later
// I/O Kit's locks: IOLock (a mutex), IORecursiveLock, IOSimpleLock (a spin lock,
// the only one allowed in primary-interrupt context) and IORWLock, with sleeping
// on an event while holding IOLock or IORecursiveLock.
#pragma once

#include <IOKit/IOTypes.h>

// Sleep types and results, with xnu's values.
#define THREAD_UNINT 0
#define THREAD_INTERRUPTIBLE 1
#define THREAD_ABORTSAFE 2
#define THREAD_AWAKENED 0
#define THREAD_TIMED_OUT 1
#define THREAD_INTERRUPTED 2
#define THREAD_RESTART 3
#define THREAD_NOT_WAITING 10
typedef int wait_result_t;

typedef struct _IOLock IOLock;
typedef struct _IORecursiveLock IORecursiveLock;
typedef struct _IOSimpleLock IOSimpleLock;
typedef struct _IORWLock IORWLock;
typedef bool IOInterruptState;

IOLock* IOLockAlloc(void);
void IOLockFree(IOLock* lock);
/// Reported as a context violation in primary-interrupt context.
void IOLockLock(IOLock* lock);
bool IOLockTryLock(IOLock* lock);
void IOLockUnlock(IOLock* lock);
/// Releases the lock, sleeps until IOLockWakeup(lock, event), re-takes the lock.
/// THREAD_AWAKENED, or THREAD_TIMED_OUT with the Deadline variant (the
/// deadline is on the runtime clock, in nanoseconds).
int IOLockSleep(IOLock* lock, void* event, UInt32 interType);
int IOLockSleepDeadline(IOLock* lock, void* event, AbsoluteTime deadline, UInt32 interType);
/// Wakes one or all sleepers on `event`; call it holding the lock.
void IOLockWakeup(IOLock* lock, void* event, bool oneThread);
#define IOLockWakeUp IOLockWakeup

IORecursiveLock* IORecursiveLockAlloc(void);
void IORecursiveLockFree(IORecursiveLock* lock);
void IORecursiveLockLock(IORecursiveLock* lock);
bool IORecursiveLockTryLock(IORecursiveLock* lock);
void IORecursiveLockUnlock(IORecursiveLock* lock);
/// True only on the thread that holds the lock.
bool IORecursiveLockHaveLock(const IORecursiveLock* lock);
/// Releases every level of the lock while asleep and restores them on waking.
int IORecursiveLockSleep(IORecursiveLock* lock, void* event, UInt32 interType);
int IORecursiveLockSleepDeadline(IORecursiveLock* lock, void* event, AbsoluteTime deadline, UInt32 interType);
void IORecursiveLockWakeup(IORecursiveLock* lock, void* event, bool oneThread);

IOSimpleLock* IOSimpleLockAlloc(void);
void IOSimpleLockFree(IOSimpleLock* lock);
void IOSimpleLockInit(IOSimpleLock* lock);
void IOSimpleLockLock(IOSimpleLock* lock);
bool IOSimpleLockTryLock(IOSimpleLock* lock);
void IOSimpleLockUnlock(IOSimpleLock* lock);
/// Takes the lock with this thread's interrupts masked (the primary-interrupt
/// thread will not run filters for this thread's loop meanwhile).
IOInterruptState IOSimpleLockLockDisableInterrupt(IOSimpleLock* lock);
void IOSimpleLockUnlockEnableInterrupt(IOSimpleLock* lock, IOInterruptState state);

IORWLock* IORWLockAlloc(void);
void IORWLockFree(IORWLock* lock);
void IORWLockRead(IORWLock* lock);
void IORWLockWrite(IORWLock* lock);
bool IORWLockTryRead(IORWLock* lock);
bool IORWLockTryWrite(IORWLock* lock);
void IORWLockUnlock(IORWLock* lock);
