// SPDX-License-Identifier: GPL-2.0-or-later
// IOTimerEventSource on the virtual clock: one-shot, periodic by re-arming,
// drift-free wakeAtTime, cancelTimeout as a synchronisation point, disable
// (spec 03 §1.3 and §3 item 9). No test sleeps: the clock moves when told.
#include "WorkLoopTestSupport.h"

#include "iokit/workloop/TimerService.h"

#include <IOKit/IOCommandGate.h>
#include <IOKit/IOTimerEventSource.h>

#include <atomic>
#include <mutex>
#include <vector>

using namespace iolab::wltest;

namespace {

/// What the timer actions of these tests record. One per test, reached
/// through a static because actions are plain functions.
struct TimerLog {
    std::atomic<int> fired{0};
    std::mutex mutex;
    std::vector<uint64_t> firedAt;   // virtual time of each action; under mutex
    std::vector<uint64_t> deadlines; // deadlines armed by wakeAtTime actions; under mutex
    uint64_t period = 0;
    uint64_t nextDeadline = 0; // loop thread only
    int rearmLimit = INT32_MAX;
    std::atomic<bool> running{false}, finished{false};
    Latch* release = nullptr;
};
TimerLog* s_log = nullptr;

void noteFired()
{
    std::lock_guard lock(s_log->mutex);
    s_log->firedAt.push_back(iolab::RuntimeClock::current().now());
}

void oneShot(OSObject*, IOTimerEventSource*)
{
    noteFired();
    s_log->fired.fetch_add(1);
}

void rearmRelative(OSObject*, IOTimerEventSource* sender)
{
    noteFired();
    // Re-armed before it counts itself, so a test that waits for the count
    // never advances the clock past a deadline that is not armed yet.
    if (s_log->fired.load() + 1 < s_log->rearmLimit)
        sender->setTimeout(s_log->period);
    s_log->fired.fetch_add(1);
}

void rearmAbsolute(OSObject*, IOTimerEventSource* sender)
{
    noteFired();
    s_log->nextDeadline += s_log->period;
    {
        std::lock_guard lock(s_log->mutex);
        s_log->deadlines.push_back(s_log->nextDeadline);
    }
    sender->wakeAtTime(s_log->nextDeadline);
    s_log->fired.fetch_add(1);
}

void blockingRearm(OSObject*, IOTimerEventSource* sender)
{
    s_log->running.store(true);
    sender->setTimeoutMS(1); // re-armed, then cancelled by the test while we block
    s_log->release->wait();
    s_log->fired.fetch_add(1);
    s_log->finished.store(true);
}

class TimerTest : public VirtualRuntimeTest {
protected:
    void SetUp() override
    {
        s_log = &m_log;
        m_loop = IOWorkLoop::workLoop();
        m_loop->setName("TimerTest");
    }
    void TearDown() override
    {
        for (IOTimerEventSource* timer : m_timers) {
            timer->cancelTimeout();
            m_loop->removeEventSource(timer);
            timer->release();
        }
        m_loop->release();
        s_log = nullptr;
    }
    IOTimerEventSource* makeTimer(IOTimerEventSource::Action action)
    {
        IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(runtime().resources(), action);
        EXPECT_EQ(m_loop->addEventSource(timer), kIOReturnSuccess);
        m_timers.push_back(timer);
        return timer;
    }
    /// Advances the clock and waits until the loop has run what became due.
    void advanceAndSettle(uint64_t nanoseconds)
    {
        advance(nanoseconds);
        ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs));
    }
    size_t armed() { return runtime().timers().armedCount(); }

    TimerLog m_log;
    IOWorkLoop* m_loop = nullptr;
    std::vector<IOTimerEventSource*> m_timers;
};

} // namespace

// Spec 03 §3 item 9: a timer fires once, at its deadline, and not again.
TEST_F(TimerTest, OneShotFiresOnceAtDeadline)
{
    IOTimerEventSource* timer = makeTimer(oneShot);
    const uint64_t start = now();
    ASSERT_EQ(timer->setTimeoutMS(10), kIOReturnSuccess);
    EXPECT_EQ(timer->deadline(), start + 10 * kMs);
    EXPECT_EQ(armed(), 1u);
    advanceAndSettle(10 * kMs - 1);
    EXPECT_EQ(m_log.fired.load(), 0);
    advanceAndSettle(1);
    EXPECT_EQ(m_log.fired.load(), 1);
    EXPECT_EQ(m_log.firedAt.at(0), start + 10 * kMs);
    EXPECT_EQ(timer->deadline(), 0u) << "no longer armed";
    advanceAndSettle(1000 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1);
    EXPECT_EQ(armed(), 0u);
}

// The scales: ticks, µs, ns, and setTimeout(interval, scale).
TEST_F(TimerTest, TimeoutScales)
{
    IOTimerEventSource* timer = makeTimer(oneShot);
    const uint64_t start = now();
    timer->setTimeoutUS(250);
    EXPECT_EQ(timer->deadline(), start + 250 * kUs);
    timer->setTimeout(3, kSecondScale);
    EXPECT_EQ(timer->deadline(), start + 3'000 * kMs);
    timer->setTimeoutTicks(2);
    EXPECT_EQ(timer->deadline(), start + 20 * kMs);
    timer->setTimeout(static_cast<AbsoluteTime>(7));
    EXPECT_EQ(timer->deadline(), start + 7);
    EXPECT_EQ(armed(), 1u) << "re-arming replaces the earlier deadline";
    advanceAndSettle(1 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1);
    advanceAndSettle(5'000 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1) << "only the last arming counts";

    // A timer without an action cannot be armed.
    IOTimerEventSource* empty = makeTimer(nullptr);
    EXPECT_EQ(empty->setTimeoutMS(1), kIOReturnNoResources);
}

// Spec 03 §3 item 9: re-arming in the action makes a timer periodic.
TEST_F(TimerTest, RearmInActionIsPeriodic)
{
    m_log.period = 10 * kMs;
    IOTimerEventSource* timer = makeTimer(rearmRelative);
    const uint64_t start = now();
    timer->setTimeout(m_log.period);
    for (int i = 1; i <= 5; ++i) {
        advanceAndSettle(10 * kMs);
        EXPECT_EQ(m_log.fired.load(), i);
    }
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(m_log.firedAt[i], start + (i + 1) * 10 * kMs);
    EXPECT_EQ(armed(), 1u);
}

// Spec 03 §3 item 9: wakeAtTime periods do not drift. The clock moves in
// uneven steps; every deadline is an exact multiple of the period, and the
// number of actions is what the elapsed time allows. Re-arming relative to
// "now" (setTimeout) under the same steps falls behind.
TEST_F(TimerTest, WakeAtTimePeriodsDoNotDrift)
{
    m_log.period = 10 * kMs;
    IOTimerEventSource* absolute = makeTimer(rearmAbsolute);
    const uint64_t start = now();
    m_log.nextDeadline = start + m_log.period;
    absolute->wakeAtTime(m_log.nextDeadline);

    const uint64_t steps[] = {7, 13, 3, 11, 19, 10, 1, 9, 17, 4, 6, 23, 2, 8, 15};
    uint64_t elapsed = 0;
    for (uint64_t step : steps) {
        advanceAndSettle(step * kMs);
        elapsed += step * kMs;
        EXPECT_EQ(static_cast<uint64_t>(m_log.fired.load()), elapsed / m_log.period) << "after " << elapsed / kMs << " ms";
    }
    std::lock_guard lock(m_log.mutex);
    for (size_t i = 0; i < m_log.deadlines.size(); ++i)
        EXPECT_EQ(m_log.deadlines[i], start + (i + 2) * m_log.period) << "deadline " << i;
    EXPECT_EQ(absolute->deadline(), start + (m_log.deadlines.size() + 1) * m_log.period);
}

TEST_F(TimerTest, SetTimeoutRearmDriftsUnderUnevenSteps)
{
    // The contrast to the test above: relative re-arming measures from when the
    // action ran, so lateness accumulates.
    m_log.period = 10 * kMs;
    IOTimerEventSource* relative = makeTimer(rearmRelative);
    relative->setTimeout(m_log.period);
    const uint64_t steps[] = {7, 13, 3, 11, 19, 10, 1, 9, 17, 4, 6, 23, 2, 8, 15};
    uint64_t elapsed = 0;
    for (uint64_t step : steps) {
        advanceAndSettle(step * kMs);
        elapsed += step * kMs;
    }
    EXPECT_LT(static_cast<uint64_t>(m_log.fired.load()), elapsed / m_log.period);
}

// Spec 03 §1.3: after cancelTimeout returns, the cancelled timeout never runs.
TEST_F(TimerTest, CancelTimeoutPreventsAction)
{
    IOTimerEventSource* timer = makeTimer(oneShot);
    timer->setTimeoutMS(10);
    timer->cancelTimeout();
    EXPECT_EQ(timer->deadline(), 0u);
    EXPECT_EQ(armed(), 0u);
    advanceAndSettle(20 * kMs);
    EXPECT_EQ(m_log.fired.load(), 0);

    // Cancelled after the deadline passed but before the loop got to run it:
    // the test holds the gate so the loop cannot run the action in between.
    timer->setTimeoutMS(10);
    m_loop->closeGate();
    advance(10 * kMs); // expired: the loop is told, and waits for the gate
    timer->cancelTimeout();
    m_loop->openGate();
    ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs));
    EXPECT_EQ(m_log.fired.load(), 0);

    // The timer still works afterwards.
    timer->setTimeoutMS(1);
    advanceAndSettle(1 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1);
}

// Spec 03 §1.3: cancelTimeout waits for an action already running on the loop
// thread, and the action's own re-arming is cancelled too.
TEST_F(TimerTest, CancelTimeoutWaitsForRunningAction)
{
    Latch release;
    m_log.release = &release;
    IOTimerEventSource* timer = makeTimer(blockingRearm);
    timer->setTimeoutMS(5);
    advance(5 * kMs);
    ASSERT_TRUE(waitUntil([&] { return m_log.running.load(); }));

    std::atomic<bool> cancelReturned{false};
    std::atomic<bool> finishedWhenCancelReturned{false};
    std::thread canceller([&] {
        timer->cancelTimeout();
        finishedWhenCancelReturned.store(m_log.finished.load());
        cancelReturned.store(true);
    });
    EXPECT_FALSE(cancelReturned.load());
    release.open();
    canceller.join();
    EXPECT_TRUE(finishedWhenCancelReturned.load()) << "cancelTimeout returned while the action was still running";
    ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs));
    advanceAndSettle(10 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1) << "the action re-armed itself; cancelTimeout must cancel that too";
    EXPECT_EQ(armed(), 0u);
}

// cancelTimeout from inside the action (gate held) does not wait for itself.
TEST_F(TimerTest, CancelTimeoutInsideActionDoesNotDeadlock)
{
    IOTimerEventSource* timer = makeTimer([](OSObject*, IOTimerEventSource* sender) {
        sender->setTimeoutMS(1);
        sender->cancelTimeout();
        s_log->fired.fetch_add(1);
    });
    timer->setTimeoutMS(1);
    advanceAndSettle(1 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1);
    advanceAndSettle(5 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1);
}

// Spec 03 §1.3: a disabled timer delivers nothing, and (as on I/O Kit, where
// disable() cancels the timeout) a deadline passed while disabled is not
// delivered later on enable().
TEST_F(TimerTest, DisableStopsDelivery)
{
    IOTimerEventSource* timer = makeTimer(oneShot);
    timer->setTimeoutMS(10);
    timer->disable();
    EXPECT_FALSE(timer->isEnabled());
    advanceAndSettle(20 * kMs);
    EXPECT_EQ(m_log.fired.load(), 0);
    timer->enable();
    ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs));
    EXPECT_EQ(m_log.fired.load(), 0);

    // Expired with the gate held, then disabled before the loop could run it.
    timer->setTimeoutMS(10);
    m_loop->closeGate();
    advance(10 * kMs);
    timer->disable();
    m_loop->openGate();
    ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs));
    EXPECT_EQ(m_log.fired.load(), 0);
    timer->enable();
    ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs));
    EXPECT_EQ(m_log.fired.load(), 0);

    // Enabled again, it works.
    timer->setTimeoutMS(1);
    advanceAndSettle(1 * kMs);
    EXPECT_EQ(m_log.fired.load(), 1);
}

// The timer service holds nothing for a timer that is freed while armed.
TEST_F(TimerTest, ReleasingArmedTimerDisarmsIt)
{
    IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(runtime().resources(), oneShot);
    m_loop->addEventSource(timer);
    timer->setTimeoutMS(10);
    EXPECT_EQ(armed(), 1u);
    timer->cancelTimeout(); // I/O Kit's order: cancel, remove, release
    m_loop->removeEventSource(timer);
    timer->release();
    EXPECT_EQ(armed(), 0u);
    advanceAndSettle(20 * kMs);
    EXPECT_EQ(m_log.fired.load(), 0);
}

// Many timers on one loop fire in deadline order, each once.
TEST_F(TimerTest, ManyTimersFireInDeadlineOrder)
{
    static std::vector<IOTimerEventSource*>* s_order = nullptr;
    std::vector<IOTimerEventSource*> order;
    s_order = &order;
    constexpr int kTimers = 20;
    for (int i = 0; i < kTimers; ++i) {
        IOTimerEventSource* timer = makeTimer([](OSObject*, IOTimerEventSource* sender) {
            s_order->push_back(sender); // loop thread only; read after waitIdle
        });
        // Deadlines in reverse order of creation, 1 ms apart.
        timer->setTimeoutMS(static_cast<UInt32>(kTimers - i));
    }
    EXPECT_EQ(armed(), static_cast<size_t>(kTimers));
    for (int i = 0; i < kTimers; ++i)
        advanceAndSettle(1 * kMs);
    ASSERT_EQ(order.size(), static_cast<size_t>(kTimers));
    for (int i = 0; i < kTimers; ++i)
        EXPECT_EQ(order[i], m_timers[kTimers - 1 - i]) << "firing " << i;
    EXPECT_EQ(armed(), 0u);
    s_order = nullptr;
}
