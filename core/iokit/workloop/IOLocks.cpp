// SPDX-License-Identifier: GPL-2.0-or-later
// I/O Kit's locks on top of std::mutex, atomics and condition variables.
// Sleeping on an event keeps a list of sleepers per lock (guarded by the lock's
// internal mutex); IOLockWakeup must be called with the lock held, as on xnu.
// Deadlines are on the runtime clock, so a virtual clock controls timeouts.
#include <IOKit/IOLocks.h>
#include <iolab/ExecutionContext.h>
#include <iolab/RuntimeClock.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

struct SleepWaiter {
    void* event;
    std::condition_variable wake;
    bool woken = false;
};

/// Removes and wakes one or all sleepers on `event`. Requires the list's mutex.
void wakeSleepers(std::vector<SleepWaiter*>& sleepers, void* event, bool oneThread)
{
    for (auto it = sleepers.begin(); it != sleepers.end();) {
        if ((*it)->event != event) {
            ++it;
            continue;
        }
        (*it)->woken = true;
        (*it)->wake.notify_one();
        it = sleepers.erase(it);
        if (oneThread)
            return;
    }
}

/// Unique per live thread: the address of its execution context.
inline uintptr_t threadToken()
{
    return reinterpret_cast<uintptr_t>(&iolab::currentContext());
}

inline void cpuRelax()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

} // namespace

// --- IOLock ---------------------------------------------------------------------------

struct _IOLock {
    std::mutex mutex;
    std::vector<SleepWaiter*> sleepers; // under mutex
};

IOLock* IOLockAlloc(void)
{
    return new IOLock;
}

void IOLockFree(IOLock* lock)
{
    delete lock;
}

void IOLockLock(IOLock* lock)
{
    iolab::checkMayBlock("IOLockLock");
    lock->mutex.lock();
}

bool IOLockTryLock(IOLock* lock)
{
    return lock->mutex.try_lock();
}

void IOLockUnlock(IOLock* lock)
{
    lock->mutex.unlock();
}

int IOLockSleepDeadline(IOLock* lock, void* event, AbsoluteTime deadline, UInt32)
{
    iolab::checkMayBlock("IOLockSleep");
    SleepWaiter waiter{event, {}, false};
    lock->sleepers.push_back(&waiter);
    std::unique_lock guard(lock->mutex, std::adopt_lock);
    const bool woken = iolab::RuntimeClock::current().waitUntil(guard, waiter.wake, deadline, [&] { return waiter.woken; });
    if (!woken)
        std::erase(lock->sleepers, &waiter);
    guard.release(); // the caller holds the lock again
    return woken ? THREAD_AWAKENED : THREAD_TIMED_OUT;
}

int IOLockSleep(IOLock* lock, void* event, UInt32 interType)
{
    return IOLockSleepDeadline(lock, event, UINT64_MAX, interType);
}

void IOLockWakeup(IOLock* lock, void* event, bool oneThread)
{
    wakeSleepers(lock->sleepers, event, oneThread);
}

// --- IORecursiveLock ------------------------------------------------------------------------
// Owner and count make the uncontended path one compare-and-swap; contended
// lockers and sleepers wait on the internal mutex's condition variables.

struct _IORecursiveLock {
    std::atomic<uintptr_t> owner{0};
    uint32_t count = 0; // touched by the owner only
    std::atomic<uint32_t> contenders{0};
    std::mutex mutex;
    std::condition_variable released;
    std::vector<SleepWaiter*> sleepers; // under mutex
};

namespace {

void recursiveAcquire(IORecursiveLock* lock, uint32_t count)
{
    const uintptr_t me = threadToken();
    uintptr_t expected = 0;
    if (lock->owner.compare_exchange_strong(expected, me, std::memory_order_acquire, std::memory_order_relaxed)) {
        lock->count = count;
        return;
    }
    for (int spin = 0; spin < 64; ++spin) {
        cpuRelax();
        expected = 0;
        if (lock->owner.load(std::memory_order_relaxed) == 0 &&
            lock->owner.compare_exchange_strong(expected, me, std::memory_order_seq_cst)) {
            lock->count = count;
            return;
        }
    }
    lock->contenders.fetch_add(1, std::memory_order_seq_cst);
    std::unique_lock guard(lock->mutex);
    for (;;) {
        expected = 0;
        if (lock->owner.compare_exchange_strong(expected, me, std::memory_order_seq_cst))
            break;
        lock->released.wait(guard);
    }
    lock->contenders.fetch_sub(1, std::memory_order_seq_cst);
    lock->count = count;
}

void recursiveReleaseAll(IORecursiveLock* lock)
{
    lock->count = 0;
    // The exchange orders the release before reading `contenders` (a store
    // could pass the load); a contender counts itself before its last try.
    lock->owner.exchange(0, std::memory_order_seq_cst);
    if (lock->contenders.load(std::memory_order_seq_cst)) {
        std::lock_guard guard(lock->mutex);
        lock->released.notify_one();
    }
}

} // namespace

IORecursiveLock* IORecursiveLockAlloc(void)
{
    return new IORecursiveLock;
}

void IORecursiveLockFree(IORecursiveLock* lock)
{
    delete lock;
}

void IORecursiveLockLock(IORecursiveLock* lock)
{
    if (lock->owner.load(std::memory_order_relaxed) == threadToken()) {
        ++lock->count;
        return;
    }
    iolab::checkMayBlock("IORecursiveLockLock");
    recursiveAcquire(lock, 1);
}

bool IORecursiveLockTryLock(IORecursiveLock* lock)
{
    const uintptr_t me = threadToken();
    if (lock->owner.load(std::memory_order_relaxed) == me) {
        ++lock->count;
        return true;
    }
    uintptr_t expected = 0;
    if (!lock->owner.compare_exchange_strong(expected, me, std::memory_order_seq_cst))
        return false;
    lock->count = 1;
    return true;
}

void IORecursiveLockUnlock(IORecursiveLock* lock)
{
    if (--lock->count == 0)
        recursiveReleaseAll(lock);
}

bool IORecursiveLockHaveLock(const IORecursiveLock* lock)
{
    return lock->owner.load(std::memory_order_relaxed) == threadToken();
}

int IORecursiveLockSleepDeadline(IORecursiveLock* lock, void* event, AbsoluteTime deadline, UInt32)
{
    iolab::checkMayBlock("IORecursiveLockSleep");
    SleepWaiter waiter{event, {}, false};
    {
        // Registered before the lock is let go, so a wakeup cannot slip in between.
        std::lock_guard guard(lock->mutex);
        lock->sleepers.push_back(&waiter);
    }
    const uint32_t depth = lock->count;
    recursiveReleaseAll(lock);
    bool woken;
    {
        std::unique_lock guard(lock->mutex);
        woken = iolab::RuntimeClock::current().waitUntil(guard, waiter.wake, deadline, [&] { return waiter.woken; });
        if (!woken)
            std::erase(lock->sleepers, &waiter);
    }
    recursiveAcquire(lock, depth);
    return woken ? THREAD_AWAKENED : THREAD_TIMED_OUT;
}

int IORecursiveLockSleep(IORecursiveLock* lock, void* event, UInt32 interType)
{
    return IORecursiveLockSleepDeadline(lock, event, UINT64_MAX, interType);
}

void IORecursiveLockWakeup(IORecursiveLock* lock, void* event, bool oneThread)
{
    std::lock_guard guard(lock->mutex);
    wakeSleepers(lock->sleepers, event, oneThread);
}

// --- IOSimpleLock ---------------------------------------------------------------------------------

struct _IOSimpleLock {
    std::atomic<bool> held{false};
};

IOSimpleLock* IOSimpleLockAlloc(void)
{
    return new IOSimpleLock;
}

void IOSimpleLockFree(IOSimpleLock* lock)
{
    delete lock;
}

void IOSimpleLockInit(IOSimpleLock* lock)
{
    lock->held.store(false);
}

void IOSimpleLockLock(IOSimpleLock* lock)
{
    ++iolab::currentContext().simpleLocksHeld;
    for (;;) {
        if (!lock->held.exchange(true, std::memory_order_acquire))
            return;
        while (lock->held.load(std::memory_order_relaxed))
            cpuRelax();
    }
}

bool IOSimpleLockTryLock(IOSimpleLock* lock)
{
    if (lock->held.load(std::memory_order_relaxed) || lock->held.exchange(true, std::memory_order_acquire))
        return false;
    ++iolab::currentContext().simpleLocksHeld;
    return true;
}

void IOSimpleLockUnlock(IOSimpleLock* lock)
{
    lock->held.store(false, std::memory_order_release);
    if (auto& context = iolab::currentContext(); context.simpleLocksHeld)
        --context.simpleLocksHeld;
}

IOInterruptState IOSimpleLockLockDisableInterrupt(IOSimpleLock* lock)
{
    auto& context = iolab::currentContext();
    const IOInterruptState wasMasked = context.interruptsMasked > 0;
    ++context.interruptsMasked;
    IOSimpleLockLock(lock);
    return wasMasked;
}

void IOSimpleLockUnlockEnableInterrupt(IOSimpleLock* lock, IOInterruptState state)
{
    IOSimpleLockUnlock(lock);
    auto& context = iolab::currentContext();
    if (context.interruptsMasked)
        --context.interruptsMasked;
    (void)state;
}

// --- IORWLock ---------------------------------------------------------------------------------------

struct _IORWLock {
    std::shared_mutex mutex;
    std::atomic<uintptr_t> writer{0};
};

IORWLock* IORWLockAlloc(void)
{
    return new IORWLock;
}

void IORWLockFree(IORWLock* lock)
{
    delete lock;
}

void IORWLockRead(IORWLock* lock)
{
    iolab::checkMayBlock("IORWLockRead");
    lock->mutex.lock_shared();
}

void IORWLockWrite(IORWLock* lock)
{
    iolab::checkMayBlock("IORWLockWrite");
    lock->mutex.lock();
    lock->writer.store(threadToken(), std::memory_order_relaxed);
}

bool IORWLockTryRead(IORWLock* lock)
{
    return lock->mutex.try_lock_shared();
}

bool IORWLockTryWrite(IORWLock* lock)
{
    if (!lock->mutex.try_lock())
        return false;
    lock->writer.store(threadToken(), std::memory_order_relaxed);
    return true;
}

void IORWLockUnlock(IORWLock* lock)
{
    // The writer is the only thread that can hold it exclusively.
    if (lock->writer.load(std::memory_order_relaxed) == threadToken()) {
        lock->writer.store(0, std::memory_order_relaxed);
        lock->mutex.unlock();
    } else {
        lock->mutex.unlock_shared();
    }
}
