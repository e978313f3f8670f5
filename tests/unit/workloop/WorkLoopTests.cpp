// SPDX-License-Identifier: GPL-2.0-or-later
// Work loops and command gates: serialisation, re-entrancy, sleeping in the gate
// (spec 03 §1.3 and §3 items 6–8).
#include "WorkLoopTestSupport.h"

#include <IOKit/IOCommandGate.h>
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOTimerEventSource.h>

#include <atomic>
#include <future>
#include <vector>

using namespace iolab::wltest;

namespace {

/// Every action of the stress test goes through here: it notes whether another
/// action of the same loop was running at the same moment.
struct OverlapProbe {
    std::atomic<int> inFlight{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> gateActions{0}, timerActions{0}, interruptActions{0};
    std::atomic<int> interruptsCounted{0};
    std::atomic<bool> stopTimer{false};

    void enter()
    {
        if (inFlight.fetch_add(1) != 0)
            overlaps.fetch_add(1);
        // Stay a little (busy, so the thread keeps its CPU), so that an overlap
        // would be seen.
        for (int i = 0; i < 200; ++i) {
            if (inFlight.load() != 1)
                overlaps.fetch_add(1);
        }
    }
    void leave() { inFlight.fetch_sub(1); }
};
OverlapProbe* s_probe = nullptr;

class WorkLoopTest : public VirtualRuntimeTest {
protected:
    void SetUp() override
    {
        m_loop = IOWorkLoop::workLoop();
        ASSERT_NE(m_loop, nullptr);
        m_loop->setName("WorkLoopTest");
    }
    void TearDown() override
    {
        if (m_loop)
            m_loop->release();
    }
    IOCommandGate* addGate()
    {
        IOCommandGate* gate = IOCommandGate::commandGate(runtime().resources());
        EXPECT_EQ(m_loop->addEventSource(gate), kIOReturnSuccess);
        return gate;
    }
    void removeAndRelease(IOEventSource* source)
    {
        EXPECT_EQ(m_loop->removeEventSource(source), kIOReturnSuccess);
        source->release();
    }

    IOWorkLoop* m_loop = nullptr;
};

} // namespace

// Spec 03 §3 item 6: two actions on one work loop never overlap, whoever starts
// them: runAction callers on several threads, a timer and an interrupt source.
TEST_F(WorkLoopTest, ActionsOnOneLoopNeverOverlap)
{
    OverlapProbe probe;
    s_probe = &probe;
    IOCommandGate* gate = addGate();

    IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(runtime().resources(), [](OSObject*, IOTimerEventSource* sender) {
        s_probe->enter();
        s_probe->timerActions.fetch_add(1);
        s_probe->leave();
        if (!s_probe->stopTimer.load())
            sender->setTimeoutUS(10); // periodic
    });
    ASSERT_EQ(m_loop->addEventSource(timer), kIOReturnSuccess);

    auto controller = std::make_shared<iolab::InterruptController>("stress");
    const unsigned msi = controller->addLine(iolab::InterruptController::Trigger::Edge, false);
    IOService* nub = makeNub("stress-nub", {{controller, msi, kIOInterruptTypePCIMessaged}});
    auto* interrupt = IOFilterInterruptEventSource::filterInterruptEventSource(
        runtime().resources(),
        [](OSObject*, IOInterruptEventSource*, int count) {
            s_probe->enter();
            s_probe->interruptActions.fetch_add(1);
            s_probe->interruptsCounted.fetch_add(count);
            s_probe->leave();
        },
        [](OSObject*, IOFilterInterruptEventSource*) { return true; }, nub, 0);
    ASSERT_NE(interrupt, nullptr);
    ASSERT_EQ(m_loop->addEventSource(interrupt), kIOReturnSuccess);
    interrupt->enable();
    timer->setTimeoutUS(10);

    constexpr int kCallers = 3;
    constexpr int kCallsEach = 1000;
    constexpr int kMinimumOthers = 100; // timer and interrupt actions that must overlap the callers
    const auto giveUp = std::chrono::steady_clock::now() + kDeadline;
    auto othersDone = [&] {
        return (probe.timerActions.load() >= kMinimumOthers && probe.interruptActions.load() >= kMinimumOthers) ||
               std::chrono::steady_clock::now() > giveUp;
    };
    std::atomic<int> calls{0};
    std::atomic<int> running{kCallers + 2};
    std::vector<std::thread> threads;
    for (int t = 0; t < kCallers; ++t) {
        threads.emplace_back([&] {
            // The callers keep going until the timer and the interrupt have run
            // often enough alongside them.
            for (int i = 0; i < kCallsEach || !othersDone(); ++i) {
                calls.fetch_add(1);
                gate->runAction([](OSObject*, void*, void*, void*, void*) -> IOReturn {
                    s_probe->enter();
                    s_probe->gateActions.fetch_add(1);
                    s_probe->leave();
                    return kIOReturnSuccess;
                });
            }
            running.fetch_sub(1);
        });
    }
    // The clock and the device pause between steps: flat-out they would starve
    // everyone else of the timer service's and the controller's locks.
    threads.emplace_back([&] { // the clock that drives the timer
        while (running.load() > 2) {
            advance(10 * kUs);
            std::this_thread::yield();
        }
        running.fetch_sub(1);
    });
    int raised = 0;
    threads.emplace_back([&] { // the device that raises the interrupt
        while (running.load() > 2) {
            controller->assertLine(msi);
            ++raised;
            for (int i = 0; i < 3; ++i)
                std::this_thread::yield();
        }
        running.fetch_sub(1);
    });
    for (auto& thread : threads)
        thread.join();
    probe.stopTimer.store(true);
    ASSERT_TRUE(settle(*controller, m_loop));

    EXPECT_EQ(probe.overlaps.load(), 0);
    EXPECT_EQ(probe.gateActions.load(), calls.load());
    EXPECT_GE(probe.gateActions.load(), kCallers * kCallsEach);
    EXPECT_GE(probe.timerActions.load(), kMinimumOthers);
    EXPECT_GE(probe.interruptActions.load(), kMinimumOthers);
    EXPECT_GT(raised, 0);
    // Every claimed interrupt reached the action exactly once, counted.
    EXPECT_LE(probe.interruptsCounted.load(), raised);

    timer->cancelTimeout();
    interrupt->disable();
    removeAndRelease(interrupt);
    removeAndRelease(timer);
    removeAndRelease(gate);
    nub->release();
    s_probe = nullptr;
}

namespace {
struct Rendezvous {
    std::atomic<bool> inFirst{false}, inSecond{false};
    std::atomic<bool> firstSawSecond{false}, secondSawFirst{false};
};
Rendezvous* s_rendezvous = nullptr;
} // namespace

// Spec 03 §3 item 6: actions on different loops run at the same time (each
// waits, on its own loop's thread, until the other one is inside).
TEST_F(WorkLoopTest, ActionsOnDifferentLoopsOverlap)
{
    Rendezvous rendezvous;
    s_rendezvous = &rendezvous;
    IOWorkLoop* second = IOWorkLoop::workLoop();
    IOTimerEventSource* first = IOTimerEventSource::timerEventSource(runtime().resources(), [](OSObject*, IOTimerEventSource*) {
        s_rendezvous->inFirst.store(true);
        s_rendezvous->firstSawSecond.store(waitUntil([] { return s_rendezvous->inSecond.load(); }));
    });
    IOTimerEventSource* other = IOTimerEventSource::timerEventSource(runtime().resources(), [](OSObject*, IOTimerEventSource*) {
        s_rendezvous->inSecond.store(true);
        s_rendezvous->secondSawFirst.store(waitUntil([] { return s_rendezvous->inFirst.load(); }));
    });
    ASSERT_EQ(m_loop->addEventSource(first), kIOReturnSuccess);
    ASSERT_EQ(second->addEventSource(other), kIOReturnSuccess);
    first->setTimeoutMS(1);
    other->setTimeoutMS(1);
    advance(1 * kMs);
    ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs));
    ASSERT_TRUE(second->waitIdle(kDeadlineNs));
    EXPECT_TRUE(rendezvous.firstSawSecond.load());
    EXPECT_TRUE(rendezvous.secondSawFirst.load());

    // The same with runAction on two gates from two threads.
    rendezvous.inFirst = rendezvous.inSecond = false;
    rendezvous.firstSawSecond = rendezvous.secondSawFirst = false;
    IOCommandGate* gateA = addGate();
    IOCommandGate* gateB = IOCommandGate::commandGate(runtime().resources());
    second->addEventSource(gateB);
    std::thread callerB([&] {
        gateB->runAction([](OSObject*, void*, void*, void*, void*) -> IOReturn {
            s_rendezvous->inSecond.store(true);
            s_rendezvous->secondSawFirst.store(waitUntil([] { return s_rendezvous->inFirst.load(); }));
            return kIOReturnSuccess;
        });
    });
    gateA->runAction([](OSObject*, void*, void*, void*, void*) -> IOReturn {
        s_rendezvous->inFirst.store(true);
        s_rendezvous->firstSawSecond.store(waitUntil([] { return s_rendezvous->inSecond.load(); }));
        return kIOReturnSuccess;
    });
    callerB.join();
    EXPECT_TRUE(rendezvous.firstSawSecond.load());
    EXPECT_TRUE(rendezvous.secondSawFirst.load());

    second->removeEventSource(gateB);
    gateB->release();
    removeAndRelease(gateA);
    second->removeEventSource(other);
    other->release();
    removeAndRelease(first);
    second->release();
    s_rendezvous = nullptr;
}

namespace {
struct CallerRecord {
    std::thread::id thread;
    bool inGate = false;
    bool onLoopThread = true;
    IOWorkLoop* loop = nullptr;
};
IOReturn recordCaller(OSObject*, void* record, void*, void*, void*)
{
    auto* out = static_cast<CallerRecord*>(record);
    out->thread = std::this_thread::get_id();
    out->inGate = out->loop->inGate();
    out->onLoopThread = out->loop->onThread();
    return kIOReturnSuccess;
}
} // namespace

// Spec 03 §3 item 7: runAction runs the action on the calling thread, holding the gate.
TEST_F(WorkLoopTest, RunActionRunsOnCallerThread)
{
    IOCommandGate* gate = addGate();
    CallerRecord mine;
    mine.loop = m_loop;
    EXPECT_EQ(gate->runAction(recordCaller, &mine), kIOReturnSuccess);
    EXPECT_EQ(mine.thread, std::this_thread::get_id());
    EXPECT_TRUE(mine.inGate);
    EXPECT_FALSE(mine.onLoopThread);
    EXPECT_FALSE(m_loop->inGate()) << "the gate is released after the action";

    CallerRecord theirs;
    theirs.loop = m_loop;
    std::thread::id otherId;
    std::thread other([&] {
        otherId = std::this_thread::get_id();
        gate->runAction(recordCaller, &theirs);
    });
    other.join();
    EXPECT_EQ(theirs.thread, otherId);
    EXPECT_TRUE(theirs.inGate);

    // IOWorkLoop::runAction behaves the same way.
    CallerRecord direct;
    direct.loop = m_loop;
    EXPECT_EQ(m_loop->runAction(recordCaller, nullptr, &direct), kIOReturnSuccess);
    EXPECT_EQ(direct.thread, std::this_thread::get_id());
    EXPECT_TRUE(direct.inGate);

    // The four arguments arrive in order, and the owner is the first argument.
    void* seen[5] = {};
    gate->runAction(
        [](OSObject* owner, void* a0, void* a1, void* a2, void* a3) -> IOReturn {
            auto** out = static_cast<void**>(a0);
            out[0] = owner;
            out[1] = a0;
            out[2] = a1;
            out[3] = a2;
            out[4] = a3;
            return kIOReturnSuccess;
        },
        seen, reinterpret_cast<void*>(1), reinterpret_cast<void*>(2), reinterpret_cast<void*>(3));
    EXPECT_EQ(seen[0], runtime().resources());
    EXPECT_EQ(seen[1], seen);
    EXPECT_EQ(seen[2], reinterpret_cast<void*>(1));
    EXPECT_EQ(seen[3], reinterpret_cast<void*>(2));
    EXPECT_EQ(seen[4], reinterpret_cast<void*>(3));
    removeAndRelease(gate);
}

namespace {
IOCommandGate* s_nestedGate = nullptr;
std::atomic<int> s_nestedDepth{0};
IOReturn innermost(OSObject*, void*, void*, void*, void*)
{
    s_nestedDepth.fetch_add(1);
    return kIOReturnSuccess;
}
IOReturn nestOnce(OSObject*, void*, void*, void*, void*)
{
    s_nestedDepth.fetch_add(1);
    return s_nestedGate->runAction(innermost);
}
} // namespace

// Spec 03 §3 item 7: an action may call runAction on its own gate again (the gate
// is recursive), from a caller's thread or from the loop thread.
TEST_F(WorkLoopTest, NestedRunActionDoesNotDeadlock)
{
    IOCommandGate* gate = addGate();
    s_nestedGate = gate;
    s_nestedDepth = 0;
    auto result = std::async(std::launch::async, [&] { return gate->runAction(nestOnce); });
    ASSERT_EQ(result.wait_for(kDeadline), std::future_status::ready) << "nested runAction deadlocked";
    EXPECT_EQ(result.get(), kIOReturnSuccess);
    EXPECT_EQ(s_nestedDepth.load(), 2);

    // From a timer action (on the loop thread, gate held).
    static std::atomic<int> timerResult{-1};
    timerResult = -1;
    IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(runtime().resources(), [](OSObject*, IOTimerEventSource*) {
        timerResult.store(s_nestedGate->runAction(nestOnce));
    });
    m_loop->addEventSource(timer);
    timer->setTimeoutMS(1);
    advance(1 * kMs);
    ASSERT_TRUE(m_loop->waitIdle(kDeadlineNs)) << "nested runAction on the loop thread deadlocked";
    EXPECT_EQ(timerResult.load(), kIOReturnSuccess);
    EXPECT_EQ(s_nestedDepth.load(), 4);

    // attemptAction while another thread holds the gate fails instead of waiting.
    m_loop->closeGate();
    auto attempted = std::async(std::launch::async, [&] { return gate->attemptAction(innermost); });
    ASSERT_EQ(attempted.wait_for(kDeadline), std::future_status::ready);
    EXPECT_EQ(attempted.get(), kIOReturnCannotLock);
    m_loop->openGate();

    removeAndRelease(timer);
    removeAndRelease(gate);
    s_nestedGate = nullptr;
}

// Spec 03 §3 item 8: commandSleep is only legal inside the gate.
TEST_F(WorkLoopTest, CommandSleepOutsideGateIsNotPermitted)
{
    IOCommandGate* gate = addGate();
    int event = 0;
    EXPECT_EQ(gate->commandSleep(&event), kIOReturnNotPermitted);
    EXPECT_EQ(gate->commandSleep(&event, now() + kMs, THREAD_UNINT), kIOReturnNotPermitted);
    // Nor on a gate that is not on a loop.
    IOCommandGate* loose = IOCommandGate::commandGate(runtime().resources());
    EXPECT_EQ(loose->commandSleep(&event), kIOReturnNotPermitted);
    EXPECT_EQ(loose->runAction(innermost), kIOReturnNotReady);
    loose->release();
    removeAndRelease(gate);
}

namespace {
struct SleepState {
    IOCommandGate* gate = nullptr;
    int event = 0;
    std::atomic<int> sleeping{0};
    std::atomic<int> woken{0};
    std::atomic<int> awakenedResults{0};
    std::atomic<bool> inGateAfter{false};
    std::atomic<int> result{-1};
    uint64_t deadline = UINT64_MAX;
};

IOReturn sleepInGate(OSObject*, void* state, void*, void*, void*)
{
    auto* s = static_cast<SleepState*>(state);
    s->sleeping.fetch_add(1);
    const IOReturn result = s->deadline == UINT64_MAX ? s->gate->commandSleep(&s->event, THREAD_UNINT)
                                                      : s->gate->commandSleep(&s->event, s->deadline, THREAD_UNINT);
    s->result.store(result);
    if (result == THREAD_AWAKENED)
        s->awakenedResults.fetch_add(1);
    s->inGateAfter.store(s->gate->getWorkLoop()->inGate());
    s->woken.fetch_add(1);
    return kIOReturnSuccess;
}

IOReturn nothing(OSObject*, void*, void*, void*, void*)
{
    return kIOReturnSuccess;
}

IOReturn wakeOne(OSObject*, void* state, void*, void*, void*)
{
    auto* s = static_cast<SleepState*>(state);
    s->gate->commandWakeup(&s->event, true);
    return kIOReturnSuccess;
}

IOReturn wakeAll(OSObject*, void* state, void*, void*, void*)
{
    auto* s = static_cast<SleepState*>(state);
    s->gate->commandWakeup(&s->event, false);
    return kIOReturnSuccess;
}

/// True once `count` threads are asleep in the gate: each counts itself inside
/// the gate and sleeps without leaving it, so if we can enter the gate with
/// the count reached, they all sleep.
bool waitForSleepers(SleepState& state, int count)
{
    return waitUntil([&] {
        if (state.sleeping.load() < count)
            return false;
        state.gate->runAction(nothing);
        return true;
    });
}
} // namespace

// Spec 03 §3 item 8: while a thread sleeps in the gate, the gate is free and the
// loop's timer actions keep running.
TEST_F(WorkLoopTest, TimerRunsWhileAThreadSleepsInGate)
{
    SleepState state;
    state.gate = addGate();
    std::thread sleeper([&] { state.gate->runAction(sleepInGate, &state); });
    ASSERT_TRUE(waitForSleepers(state, 1));

    static std::atomic<int> fired{0};
    fired = 0;
    IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(runtime().resources(), [](OSObject*, IOTimerEventSource* sender) {
        // Re-armed before it counts itself, so the test never advances past a
        // deadline that is not armed yet.
        if (fired.load() < 2)
            sender->setTimeoutMS(5);
        fired.fetch_add(1);
    });
    m_loop->addEventSource(timer);
    timer->setTimeoutMS(5);
    for (int i = 1; i <= 3; ++i) {
        advance(5 * kMs);
        ASSERT_TRUE(waitUntil([&] { return fired.load() == i; })) << "timer action " << i << " did not run";
    }
    EXPECT_EQ(state.woken.load(), 0);

    state.gate->runAction(wakeAll, &state);
    sleeper.join();
    EXPECT_EQ(state.result.load(), THREAD_AWAKENED);
    EXPECT_TRUE(state.inGateAfter.load()) << "commandSleep returns with the gate held again";
    removeAndRelease(timer);
    removeAndRelease(state.gate);
}

// Spec 03 §1.3: commandWakeup(event, oneThread=true) wakes exactly one of k sleepers.
TEST_F(WorkLoopTest, CommandWakeupOneThreadWakesExactlyOne)
{
    constexpr int kSleepers = 4;
    SleepState state;
    state.gate = addGate();
    std::vector<std::thread> sleepers;
    for (int i = 0; i < kSleepers; ++i)
        sleepers.emplace_back([&] { state.gate->runAction(sleepInGate, &state); });
    ASSERT_TRUE(waitForSleepers(state, kSleepers));

    for (int round = 1; round < kSleepers; ++round) {
        EXPECT_EQ(state.woken.load(), round - 1) << "a one-thread wakeup woke more than one sleeper";
        state.gate->runAction(wakeOne, &state);
        ASSERT_TRUE(waitUntil([&] { return state.woken.load() >= round; }));
        // Entering the gate lets any thread woken by mistake finish too.
        state.gate->runAction(nothing);
    }
    EXPECT_EQ(state.woken.load(), kSleepers - 1) << "one sleeper must still be asleep";
    state.gate->runAction(wakeAll, &state);
    for (auto& thread : sleepers)
        thread.join();
    EXPECT_EQ(state.woken.load(), kSleepers);
    EXPECT_EQ(state.awakenedResults.load(), kSleepers);
    removeAndRelease(state.gate);
}

// Spec 03 §1.3: commandSleep with a deadline returns THREAD_TIMED_OUT once the
// virtual clock passes the deadline, inside the gate again.
TEST_F(WorkLoopTest, CommandSleepDeadlineTimesOut)
{
    SleepState state;
    state.gate = addGate();
    state.deadline = now() + 20 * kMs;
    std::thread sleeper([&] { state.gate->runAction(sleepInGate, &state); });
    ASSERT_TRUE(waitForSleepers(state, 1));
    advance(19 * kMs);
    state.gate->runAction(nothing);
    EXPECT_EQ(state.woken.load(), 0) << "timed out before the deadline";
    advance(1 * kMs);
    ASSERT_TRUE(waitUntil([&] { return state.woken.load() == 1; }));
    sleeper.join();
    EXPECT_EQ(state.result.load(), THREAD_TIMED_OUT);
    EXPECT_TRUE(state.inGateAfter.load());
    removeAndRelease(state.gate);
}

// A disabled gate holds back runAction callers (other than the loop thread)
// until it is enabled again.
TEST_F(WorkLoopTest, DisabledGateHoldsCallersUntilEnabled)
{
    IOCommandGate* gate = addGate();
    gate->disable();
    std::atomic<bool> ran{false};
    static std::atomic<bool>* s_ran = nullptr;
    s_ran = &ran;
    std::thread caller([&] {
        gate->runAction([](OSObject*, void*, void*, void*, void*) -> IOReturn {
            s_ran->store(true);
            return kIOReturnSuccess;
        });
    });
    // The caller waits in the gate: the gate itself stays free.
    m_loop->runAction(nothing, nullptr);
    EXPECT_FALSE(ran.load());
    gate->enable();
    caller.join();
    EXPECT_TRUE(ran.load());
    s_ran = nullptr;
    removeAndRelease(gate);
}

// Sources are appended once, counted, and cannot be on two loops.
TEST_F(WorkLoopTest, EventSourceMembership)
{
    IOCommandGate* gate = addGate();
    EXPECT_EQ(m_loop->eventSourceCount(), 1u);
    EXPECT_EQ(m_loop->addEventSource(gate), kIOReturnSuccess) << "adding twice is harmless";
    EXPECT_EQ(m_loop->eventSourceCount(), 1u);
    EXPECT_EQ(gate->getWorkLoop(), m_loop);
    IOWorkLoop* other = IOWorkLoop::workLoop();
    EXPECT_EQ(other->addEventSource(gate), kIOReturnExclusiveAccess);
    EXPECT_EQ(other->removeEventSource(gate), kIOReturnNoResources);
    EXPECT_EQ(m_loop->addEventSource(nullptr), kIOReturnBadArgument);
    other->release();
    removeAndRelease(gate);
    EXPECT_EQ(m_loop->eventSourceCount(), 0u);
}
