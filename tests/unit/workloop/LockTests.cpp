// SPDX-License-Identifier: GPL-2.0-or-later
// I/O Kit's locks, sleeping on events, IOMalloc accounting and kernel threads
// (spec 03 §1.2, §1.3 and §3 items 3–5).
#include "WorkLoopTestSupport.h"

#include <IOKit/IOLib.h>
#include <IOKit/IOLocks.h>
#include <iolab/ExecutionContext.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <future>
#include <vector>

using namespace iolab::wltest;

namespace {

/// Runs `probe` on another thread and returns its result, or nullopt if it did
/// not finish in time (a TryLock that blocks instead of failing).
template <class Probe>
std::optional<bool> onOtherThread(Probe probe)
{
    auto task = std::make_shared<std::packaged_task<bool()>>(probe);
    std::future<bool> result = task->get_future();
    std::thread([task] { (*task)(); }).detach();
    if (result.wait_for(kDeadline) != std::future_status::ready)
        return std::nullopt;
    return result.get();
}

class LockSleepTest : public VirtualRuntimeTest {};

} // namespace

// Spec 03 §3 item 3: TryLock on a lock another thread holds fails at once.
TEST(Locks, TryLockOnHeldLockFailsImmediately)
{
    IOLock* mutex = IOLockAlloc();
    IORecursiveLock* recursive = IORecursiveLockAlloc();
    IOSimpleLock* spin = IOSimpleLockAlloc();
    IORWLock* rw = IORWLockAlloc();

    IOLockLock(mutex);
    IORecursiveLockLock(recursive);
    IOSimpleLockLock(spin);
    IORWLockWrite(rw);

    EXPECT_EQ(onOtherThread([&] { return IOLockTryLock(mutex); }), std::optional<bool>(false));
    EXPECT_EQ(onOtherThread([&] { return IORecursiveLockTryLock(recursive); }), std::optional<bool>(false));
    EXPECT_EQ(onOtherThread([&] { return IOSimpleLockTryLock(spin); }), std::optional<bool>(false));
    EXPECT_EQ(onOtherThread([&] { return IORWLockTryWrite(rw); }), std::optional<bool>(false));
    EXPECT_EQ(onOtherThread([&] { return IORWLockTryRead(rw); }), std::optional<bool>(false));

    IORWLockUnlock(rw);
    IOSimpleLockUnlock(spin);
    IORecursiveLockUnlock(recursive);
    IOLockUnlock(mutex);

    // Free again: the same probes now succeed (and release what they took).
    EXPECT_EQ(onOtherThread([&] {
                  const bool taken = IOLockTryLock(mutex);
                  if (taken)
                      IOLockUnlock(mutex);
                  return taken;
              }),
              std::optional<bool>(true));
    EXPECT_EQ(onOtherThread([&] {
                  const bool taken = IOSimpleLockTryLock(spin);
                  if (taken)
                      IOSimpleLockUnlock(spin);
                  return taken;
              }),
              std::optional<bool>(true));

    IORWLockFree(rw);
    IOSimpleLockFree(spin);
    IORecursiveLockFree(recursive);
    IOLockFree(mutex);
}

// Spec 03 §3 item 3: HaveLock is true only on the owner, and the owner keeps the
// lock until every level is released (2 locks, 1 unlock: still held).
TEST(Locks, RecursiveLockHaveLockOnlyForOwner)
{
    IORecursiveLock* lock = IORecursiveLockAlloc();
    EXPECT_FALSE(IORecursiveLockHaveLock(lock));
    IORecursiveLockLock(lock);
    IORecursiveLockLock(lock);
    IORecursiveLockUnlock(lock);
    EXPECT_TRUE(IORecursiveLockHaveLock(lock));
    EXPECT_EQ(onOtherThread([&] { return IORecursiveLockHaveLock(lock); }), std::optional<bool>(false));
    EXPECT_EQ(onOtherThread([&] { return IORecursiveLockTryLock(lock); }), std::optional<bool>(false));
    // A third level on the owner is allowed (re-entry), then everything unwinds.
    EXPECT_TRUE(IORecursiveLockTryLock(lock));
    IORecursiveLockUnlock(lock);
    EXPECT_TRUE(IORecursiveLockHaveLock(lock));
    IORecursiveLockUnlock(lock);
    EXPECT_FALSE(IORecursiveLockHaveLock(lock));
    EXPECT_EQ(onOtherThread([&] {
                  const bool taken = IORecursiveLockTryLock(lock);
                  const bool have = taken && IORecursiveLockHaveLock(lock);
                  if (taken)
                      IORecursiveLockUnlock(lock);
                  return have;
              }),
              std::optional<bool>(true));
    IORecursiveLockFree(lock);
}

// Spec 03 §3 item 4: N readers hold the lock together; a writer waits for all of them.
TEST(Locks, RWLockAdmitsReadersAndWriterWaitsForAll)
{
    constexpr int kReaders = 4;
    IORWLock* lock = IORWLockAlloc();
    std::atomic<int> readersHolding{0};
    std::atomic<int> readersAtWriterEntry{-1};
    std::atomic<bool> writerIn{false};
    Latch releaseReaders[kReaders];
    std::vector<std::thread> readers;
    for (int i = 0; i < kReaders; ++i) {
        readers.emplace_back([&, i] {
            IORWLockRead(lock);
            readersHolding.fetch_add(1);
            releaseReaders[i].wait();
            readersHolding.fetch_sub(1); // before unlocking: a writer must never see it held
            IORWLockUnlock(lock);
        });
    }
    // All N inside at once: the lock admits N readers.
    ASSERT_TRUE(waitUntil([&] { return readersHolding.load() == kReaders; }));
    EXPECT_FALSE(IORWLockTryWrite(lock));
    EXPECT_TRUE(IORWLockTryRead(lock)) << "one more reader is admitted too";
    IORWLockUnlock(lock);

    std::thread writer([&] {
        IORWLockWrite(lock);
        readersAtWriterEntry.store(readersHolding.load());
        writerIn.store(true);
        IORWLockUnlock(lock);
    });
    for (int i = 0; i < kReaders; ++i) {
        EXPECT_FALSE(writerIn.load()) << "the writer got in while " << kReaders - i << " readers held the lock";
        releaseReaders[i].open();
        std::this_thread::yield();
    }
    ASSERT_TRUE(waitUntil([&] { return writerIn.load(); }));
    EXPECT_EQ(readersAtWriterEntry.load(), 0);
    writer.join();
    for (auto& reader : readers)
        reader.join();
    EXPECT_TRUE(IORWLockTryWrite(lock));
    IORWLockUnlock(lock);
    IORWLockFree(lock);
}

// Spec 03 §3 item 5: IOLockSleepDeadline returns THREAD_TIMED_OUT once the
// (virtual) clock passes the deadline, and returns with the lock held again.
TEST_F(LockSleepTest, SleepDeadlineTimesOutWithLockReheld)
{
    IOLock* lock = IOLockAlloc();
    int event = 0;
    std::atomic<bool> aboutToSleep{false}, returned{false};
    std::atomic<int> result{-1};
    Latch mayUnlock;
    const uint64_t deadline = now() + 10 * kMs;
    std::thread sleeper([&] {
        IOLockLock(lock);
        aboutToSleep.store(true);
        result.store(IOLockSleepDeadline(lock, &event, deadline, THREAD_UNINT));
        returned.store(true);
        mayUnlock.wait();
        IOLockUnlock(lock);
    });
    // Once the flag is up and the lock can be taken, the sleeper is inside the
    // sleep, with the lock released.
    ASSERT_TRUE(waitUntil([&] {
        if (!aboutToSleep.load() || !IOLockTryLock(lock))
            return false;
        IOLockUnlock(lock);
        return true;
    }));
    advance(9 * kMs);
    EXPECT_FALSE(returned.load()) << "woke before the deadline";
    advance(1 * kMs);
    ASSERT_TRUE(waitUntil([&] { return returned.load(); }));
    EXPECT_EQ(result.load(), THREAD_TIMED_OUT);
    EXPECT_FALSE(IOLockTryLock(lock)) << "the sleeper must hold the lock again when it returns";
    mayUnlock.open();
    sleeper.join();
    EXPECT_TRUE(IOLockTryLock(lock));
    IOLockUnlock(lock);
    IOLockFree(lock);
}

// Spec 03 §3 item 5, recursive twin: the timeout restores every level of the lock.
TEST_F(LockSleepTest, RecursiveSleepDeadlineRestoresDepth)
{
    IORecursiveLock* lock = IORecursiveLockAlloc();
    int event = 0;
    std::atomic<bool> asleep{false}, returned{false};
    std::atomic<int> result{-1};
    std::atomic<bool> haveAfter{false}, haveAfterOneUnlock{false}, haveAfterTwo{true};
    const uint64_t deadline = now() + 5 * kMs;
    std::thread sleeper([&] {
        IORecursiveLockLock(lock);
        IORecursiveLockLock(lock);
        asleep.store(true);
        result.store(IORecursiveLockSleepDeadline(lock, &event, deadline, THREAD_UNINT));
        haveAfter.store(IORecursiveLockHaveLock(lock));
        IORecursiveLockUnlock(lock);
        haveAfterOneUnlock.store(IORecursiveLockHaveLock(lock));
        IORecursiveLockUnlock(lock);
        haveAfterTwo.store(IORecursiveLockHaveLock(lock));
        returned.store(true);
    });
    ASSERT_TRUE(waitUntil([&] {
        if (!asleep.load() || !IORecursiveLockTryLock(lock))
            return false;
        IORecursiveLockUnlock(lock);
        return true;
    }));
    advance(5 * kMs);
    ASSERT_TRUE(waitUntil([&] { return returned.load(); }));
    sleeper.join();
    EXPECT_EQ(result.load(), THREAD_TIMED_OUT);
    EXPECT_TRUE(haveAfter.load());
    EXPECT_TRUE(haveAfterOneUnlock.load()) << "the sleep must give back both levels";
    EXPECT_FALSE(haveAfterTwo.load());
    IORecursiveLockFree(lock);
}

// Spec 03 §3 item 5: IOLockSleep returns THREAD_AWAKENED after a wakeup, and
// IOLockWakeup(oneThread=true) wakes exactly one of k sleepers each time.
TEST_F(LockSleepTest, WakeupOneThreadWakesExactlyOne)
{
    constexpr int kSleepers = 4;
    IOLock* lock = IOLockAlloc();
    int event = 0;
    int otherEvent = 0;
    int sleeping = 0; // under lock
    int woken = 0;    // under lock
    std::atomic<int> awakenedResults{0};
    std::vector<std::thread> sleepers;
    for (int i = 0; i < kSleepers; ++i) {
        sleepers.emplace_back([&] {
            IOLockLock(lock);
            ++sleeping;
            const int result = IOLockSleep(lock, &event, THREAD_UNINT);
            if (result == THREAD_AWAKENED)
                awakenedResults.fetch_add(1);
            ++woken;
            IOLockUnlock(lock);
        });
    }
    auto lockedRead = [&](int& value) {
        IOLockLock(lock);
        const int copy = value;
        IOLockUnlock(lock);
        return copy;
    };
    // Each sleeper counts itself and sleeps without letting the lock go in
    // between, so once we hold the lock with the count at k, all k sleep.
    ASSERT_TRUE(waitUntil([&] { return lockedRead(sleeping) == kSleepers; }));

    // A wakeup for another event wakes nobody.
    IOLockLock(lock);
    IOLockWakeup(lock, &otherEvent, false);
    IOLockUnlock(lock);

    for (int round = 1; round < kSleepers; ++round) {
        IOLockLock(lock);
        EXPECT_EQ(woken, round - 1) << "a wakeup woke more than one sleeper";
        IOLockWakeup(lock, &event, true);
        IOLockUnlock(lock);
        ASSERT_TRUE(waitUntil([&] { return lockedRead(woken) >= round; }));
    }
    IOLockLock(lock);
    EXPECT_EQ(woken, kSleepers - 1) << "one sleeper must still be asleep";
    IOLockWakeup(lock, &event, false);
    IOLockUnlock(lock);
    for (auto& thread : sleepers)
        thread.join();
    EXPECT_EQ(woken, kSleepers);
    EXPECT_EQ(awakenedResults.load(), kSleepers);
    IOLockFree(lock);
}

// Spec 03 §1.2: the simple lock's interrupt-disabling variant nests and
// reports the previous state.
TEST(Locks, SimpleLockDisableInterruptNests)
{
    IOSimpleLock* a = IOSimpleLockAlloc();
    IOSimpleLock* b = IOSimpleLockAlloc();
    const IOInterruptState outer = IOSimpleLockLockDisableInterrupt(a);
    EXPECT_FALSE(outer);
    EXPECT_EQ(iolab::currentContext().interruptsMasked, 1u);
    const IOInterruptState inner = IOSimpleLockLockDisableInterrupt(b);
    EXPECT_TRUE(inner);
    EXPECT_FALSE(IOSimpleLockTryLock(b));
    IOSimpleLockUnlockEnableInterrupt(b, inner);
    IOSimpleLockUnlockEnableInterrupt(a, outer);
    EXPECT_EQ(iolab::currentContext().interruptsMasked, 0u);
    EXPECT_TRUE(IOSimpleLockTryLock(a));
    IOSimpleLockUnlock(a);
    IOSimpleLockFree(b);
    IOSimpleLockFree(a);
}

// --- IOMalloc and friends --------------------------------------------------------------------

// A free with a size other than the allocated one is counted (and logged), not ignored.
TEST(IOLibMemory, SizeMismatchedFreeIsCounted)
{
    const auto before = iolab::mallocStatistics();
    void* block = IOMalloc(100);
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(iolab::mallocStatistics().liveBlocks, before.liveBlocks + 1);
    IOFree(block, 64);
    const auto after = iolab::mallocStatistics();
    EXPECT_EQ(after.mismatchedFrees, before.mismatchedFrees + 1);
    EXPECT_EQ(after.liveBlocks, before.liveBlocks);
    EXPECT_EQ(after.liveBytes, before.liveBytes);

    void* right = IOMalloc(100);
    IOFree(right, 100);
    EXPECT_EQ(iolab::mallocStatistics().mismatchedFrees, before.mismatchedFrees + 1) << "a correct free is not counted";

    void* aligned = IOMallocAligned(300, 64);
    IOFreeAligned(aligned, 299);
    EXPECT_EQ(iolab::mallocStatistics().mismatchedFrees, before.mismatchedFrees + 2);
}

TEST(IOLibMemory, MallocIsZeroFilled)
{
    auto* bytes = static_cast<unsigned char*>(IOMalloc(257));
    ASSERT_NE(bytes, nullptr);
    for (int i = 0; i < 257; ++i)
        ASSERT_EQ(bytes[i], 0) << "byte " << i;
    IOFree(bytes, 257);
}

TEST(IOLibMemory, MallocAlignedPageIsPageAligned)
{
    for (vm_size_t size : {1ul, 100ul, 4095ul, 4096ul, 5000ul, 3 * 4096ul + 1}) {
        void* block = IOMallocAligned(size, 4096);
        ASSERT_NE(block, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % 4096, 0u) << "size " << size;
        std::memset(block, 0xA5, size); // the whole block is usable (ASan checks)
        IOFreeAligned(block, size);
    }
    // An alignment that is not a power of two is rounded up to one.
    void* odd = IOMallocAligned(10, 48);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(odd) % 64, 0u);
    IOFreeAligned(odd, 10);
}

TEST(IOLibMemory, BlocksOfAPageOrMoreAreAccountedInWholePages)
{
    struct Case {
        vm_size_t size;
        uint64_t accounted;
    };
    for (const Case& c : {Case{5000, 8192}, Case{100, 100}, Case{4096, 4096}, Case{8193, 12288}}) {
        const auto before = iolab::mallocStatistics();
        void* block = IOMalloc(c.size);
        EXPECT_EQ(iolab::mallocStatistics().liveBytes - before.liveBytes, c.accounted) << "size " << c.size;
        IOFree(block, c.size);
        EXPECT_EQ(iolab::mallocStatistics().liveBytes, before.liveBytes);
    }
}

// --- kernel threads ---------------------------------------------------------------------

namespace {
struct KernelThreadProbe {
    std::atomic<bool> ran{false};
    std::thread::id id;
    thread_t self = nullptr;
    wait_result_t argument = -1;
    Latch release;
    std::atomic<bool> done{false};
};

void kernelThreadMain(void* parameter, wait_result_t result)
{
    auto* probe = static_cast<KernelThreadProbe*>(parameter);
    probe->id = std::this_thread::get_id();
    probe->self = current_thread();
    probe->argument = result;
    probe->ran.store(true);
    probe->release.wait();
    probe->done.store(true);
}
} // namespace

// Spec 03 §1.3: kernel_thread_start runs the function on a new thread, which the
// runtime counts until it returns; the caller drops its reference.
TEST(KernelThreads, StartRunsOnAnotherThreadAndIsCounted)
{
    ASSERT_TRUE(iolab::waitForKernelThreads(kDeadlineNs));
    const unsigned before = iolab::runningKernelThreads();
    KernelThreadProbe probe;
    thread_t thread = nullptr;
    ASSERT_EQ(kernel_thread_start(kernelThreadMain, &probe, &thread), KERN_SUCCESS);
    ASSERT_NE(thread, nullptr);
    ASSERT_TRUE(waitUntil([&] { return probe.ran.load(); }));
    EXPECT_NE(probe.id, std::this_thread::get_id());
    EXPECT_EQ(probe.self, thread) << "current_thread() on the new thread is the handle the caller got";
    EXPECT_NE(current_thread(), thread);
    EXPECT_EQ(probe.argument, THREAD_AWAKENED);
    EXPECT_EQ(iolab::runningKernelThreads(), before + 1);
    EXPECT_FALSE(iolab::waitForKernelThreads(1'000'000)) << "the thread is still running";
    // The caller may drop its reference while the thread runs.
    thread_deallocate(thread);
    probe.release.open();
    EXPECT_TRUE(iolab::waitForKernelThreads(kDeadlineNs));
    EXPECT_TRUE(probe.done.load());
    EXPECT_EQ(iolab::runningKernelThreads(), 0u);
    EXPECT_EQ(kernel_thread_start(nullptr, nullptr, &thread), KERN_INVALID_ARGUMENT);
}

TEST(KernelThreads, SeveralThreadsAllFinish)
{
    constexpr int kThreads = 6;
    std::atomic<int> ran{0};
    thread_t threads[kThreads] = {};
    for (auto& thread : threads) {
        ASSERT_EQ(kernel_thread_start([](void* counter, wait_result_t) { static_cast<std::atomic<int>*>(counter)->fetch_add(1); },
                                      &ran, &thread),
                  KERN_SUCCESS);
    }
    EXPECT_TRUE(iolab::waitForKernelThreads(kDeadlineNs));
    EXPECT_EQ(ran.load(), kThreads);
    EXPECT_EQ(iolab::runningKernelThreads(), 0u);
    for (thread_t thread : threads)
        thread_deallocate(thread);
}
