// SPDX-License-Identifier: GPL-2.0-or-later
// Interrupt event sources on the simulated interrupt controller: enabling,
// masking, latching, coalescing, shared lines and MSI types
// (spec 03 §1.5 "Interrupts" and §3 items 10–13, 15, 16).
#include "WorkLoopTestSupport.h"

#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOInterruptEventSource.h>
#include <IOKit/IOTimerEventSource.h>
#include <iolab/ExecutionContext.h>

#include <atomic>
#include <mutex>
#include <vector>

using iolab::InterruptController;
using namespace iolab::wltest;

namespace {

/// What the filter and action of these tests did.
struct IrqLog {
    enum class Mode { Claim, Decline, SignalAndDecline };
    Mode mode = Mode::Claim;
    IOWorkLoop* loop = nullptr;
    // The device is acknowledged (this level line deasserted) when set: by the
    // filter, or by the action when ackInAction.
    InterruptController* ackController = nullptr;
    unsigned ackLine = 0;
    bool ackInAction = false;
    Latch* holdFirstAction = nullptr; // the first action blocks until it opens
    int spinInAction = 0;             // yields in each action, to widen races

    std::atomic<int> filtered{0}, actions{0}, countSum{0};
    std::atomic<bool> actionRunning{false};
    std::atomic<int> filtersDuringAction{0};
    std::atomic<int> filtersOutsidePrimary{0}, actionsOffLoop{0}, actionsOutsideGate{0}, actionsInPrimary{0};
    std::mutex mutex;
    std::vector<int> counts; // under mutex
};
IrqLog* s_irq = nullptr;

bool testFilter(OSObject*, IOFilterInterruptEventSource* sender)
{
    IrqLog& log = *s_irq;
    if (!iolab::inPrimaryInterrupt())
        log.filtersOutsidePrimary.fetch_add(1);
    if (log.actionRunning.load())
        log.filtersDuringAction.fetch_add(1);
    if (log.ackController && !log.ackInAction)
        log.ackController->deassertLine(log.ackLine);
    log.filtered.fetch_add(1);
    switch (log.mode) {
    case IrqLog::Mode::Claim: return true;
    case IrqLog::Mode::Decline: return false;
    case IrqLog::Mode::SignalAndDecline: sender->signalInterrupt(); return false;
    }
    return false;
}

void testAction(OSObject*, IOInterruptEventSource*, int count)
{
    IrqLog& log = *s_irq;
    log.actionRunning.store(true);
    if (!log.loop->onThread())
        log.actionsOffLoop.fetch_add(1);
    if (!log.loop->inGate())
        log.actionsOutsideGate.fetch_add(1);
    if (iolab::inPrimaryInterrupt())
        log.actionsInPrimary.fetch_add(1);
    {
        std::lock_guard lock(log.mutex);
        log.counts.push_back(count);
    }
    log.countSum.fetch_add(count);
    if (log.ackController && log.ackInAction)
        log.ackController->deassertLine(log.ackLine);
    if (log.actions.load() == 0 && log.holdFirstAction)
        log.holdFirstAction->wait();
    for (int i = 0; i < log.spinInAction; ++i)
        std::this_thread::yield();
    log.actionRunning.store(false);
    log.actions.fetch_add(1);
}

class InterruptTest : public VirtualRuntimeTest {
protected:
    void SetUp() override
    {
        s_irq = &m_log;
        m_controller = std::make_shared<InterruptController>("irqtest");
        m_loop = IOWorkLoop::workLoop();
        m_loop->setName("InterruptTest");
        m_log.loop = m_loop;
    }
    void TearDown() override
    {
        for (auto& [loop, source] : m_sources) {
            source->disable();
            loop->removeEventSource(source);
            source->release();
        }
        for (IOService* nub : m_nubs)
            nub->release();
        for (IOWorkLoop* loop : m_extraLoops)
            loop->release();
        m_loop->release();
        EXPECT_TRUE(m_controller->waitIdle(kDeadlineNs));
        m_controller.reset();
        s_irq = nullptr;
    }

    unsigned addLine(InterruptController::Trigger trigger, bool shareable)
    {
        return m_controller->addLine(trigger, shareable);
    }
    IOService* nub(std::vector<iolab::InterruptSource> sources, const char* name = "irq-nub")
    {
        IOService* made = makeNub(name, std::move(sources));
        m_nubs.push_back(made);
        return made;
    }
    IOService* msiNub(unsigned& line)
    {
        line = addLine(InterruptController::Trigger::Edge, false);
        return nub({{m_controller, line, kIOInterruptTypePCIMessaged}});
    }
    IOService* levelNub(unsigned& line)
    {
        line = addLine(InterruptController::Trigger::Level, true);
        return nub({{m_controller, line, kIOInterruptTypeLevel}});
    }
    IOFilterInterruptEventSource* filterSource(IOService* provider, IOWorkLoop* loop = nullptr, int index = 0)
    {
        loop = loop ? loop : m_loop;
        auto* source = IOFilterInterruptEventSource::filterInterruptEventSource(runtime().resources(), testAction,
                                                                                testFilter, provider, index);
        EXPECT_NE(source, nullptr);
        if (!source)
            return nullptr;
        EXPECT_EQ(loop->addEventSource(source), kIOReturnSuccess);
        m_sources.emplace_back(loop, source);
        return source;
    }
    IOInterruptEventSource* plainSource(IOService* provider)
    {
        auto* source = IOInterruptEventSource::interruptEventSource(runtime().resources(), testAction, provider, 0);
        EXPECT_NE(source, nullptr);
        if (!source)
            return nullptr;
        EXPECT_EQ(m_loop->addEventSource(source), kIOReturnSuccess);
        m_sources.emplace_back(m_loop, source);
        return source;
    }
    bool settled() { return settle(*m_controller, m_loop); }
    std::vector<int> counts()
    {
        std::lock_guard lock(m_log.mutex);
        return m_log.counts;
    }
    void expectContexts()
    {
        EXPECT_EQ(m_log.filtersOutsidePrimary.load(), 0) << "filters run in primary-interrupt context";
        EXPECT_EQ(m_log.actionsOffLoop.load(), 0) << "actions run on the work loop's thread";
        EXPECT_EQ(m_log.actionsOutsideGate.load(), 0) << "actions run holding the gate";
        EXPECT_EQ(m_log.actionsInPrimary.load(), 0);
    }

    IrqLog m_log;
    std::shared_ptr<InterruptController> m_controller;
    IOWorkLoop* m_loop = nullptr;
    std::vector<IOWorkLoop*> m_extraLoops;
    std::vector<IOService*> m_nubs;
    std::vector<std::pair<IOWorkLoop*, IOInterruptEventSource*>> m_sources;
};

} // namespace

// Spec 03 §3 item 10: a source delivers nothing before enable() or after
// disable(). An edge raised meanwhile is latched by the controller and
// delivered when the source is enabled, not lost.
TEST_F(InterruptTest, NothingDeliveredBeforeEnableOrAfterDisable)
{
    unsigned line;
    IOService* device = msiNub(line);
    IOFilterInterruptEventSource* source = filterSource(device);
    EXPECT_FALSE(source->isEnabled()) << "interrupt sources start disabled";

    m_controller->assertLine(line);
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.filtered.load(), 0);
    EXPECT_EQ(m_log.actions.load(), 0);
    EXPECT_EQ(m_controller->statistics().latched, 1u);

    source->enable();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.filtered.load(), 1) << "the latched edge arrives on enable";
    EXPECT_EQ(m_log.actions.load(), 1);

    source->disable();
    m_controller->assertLine(line);
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.filtered.load(), 1);
    EXPECT_EQ(m_log.actions.load(), 1);
    source->enable();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.filtered.load(), 2);
    EXPECT_EQ(m_log.actions.load(), 2);

    // Claimed by the filter, then disabled before the loop ran the action (the
    // test holds the gate): the action does not run while disabled.
    m_loop->closeGate();
    m_controller->assertLine(line);
    ASSERT_TRUE(waitUntil([&] { return m_log.filtered.load() == 3; }));
    source->disable();
    m_loop->openGate();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 2);
    // The claimed interrupt is still owed: it is delivered once enabled again.
    source->enable();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 3);
    EXPECT_EQ(m_log.countSum.load(), 3);
    expectContexts();
}

// Spec 03 §3 item 10 for a plain IOInterruptEventSource on a level line: nothing
// before enable(); the still-asserted line is delivered once enabled.
TEST_F(InterruptTest, PlainSourceDeliversNothingBeforeEnable)
{
    unsigned line;
    IOService* device = levelNub(line);
    // The action services the device; until then the line stays asserted.
    m_log.ackController = m_controller.get();
    m_log.ackLine = line;
    m_log.ackInAction = true;
    IOInterruptEventSource* source = plainSource(device);
    ASSERT_NE(source, nullptr);
    EXPECT_TRUE(source->getAutoDisable()) << "level lines are masked until the action returns";
    m_controller->assertLine(line);
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 0);
    source->enable();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 1);
    EXPECT_FALSE(m_controller->isAsserted(line));
    source->disable();
    m_controller->assertLine(line);
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 1);
    expectContexts();
}

// Spec 03 §3 item 11: filter true → the action runs on the loop thread, and the
// line stays masked until it returns; raises meanwhile are latched, delivered
// once after it returns, with the right count.
TEST_F(InterruptTest, FilterTrueMasksLineUntilActionReturns)
{
    Latch release;
    m_log.holdFirstAction = &release;
    unsigned line;
    IOService* device = msiNub(line);
    IOFilterInterruptEventSource* source = filterSource(device);
    source->enable();

    m_controller->assertLine(line);
    ASSERT_TRUE(waitUntil([&] { return m_log.actionRunning.load(); }));
    const uint64_t latchedBefore = m_controller->statistics().latched;
    for (int i = 0; i < 3; ++i)
        m_controller->assertLine(line);
    ASSERT_TRUE(m_controller->waitIdle(kDeadlineNs));
    EXPECT_EQ(m_log.filtered.load(), 1) << "the filter ran while the line should be masked";
    EXPECT_EQ(m_controller->statistics().latched - latchedBefore, 3u);
    EXPECT_EQ(m_log.actions.load(), 0);

    release.open();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.filtered.load(), 2) << "the latched raises arrive once, after the action";
    EXPECT_EQ(m_log.actions.load(), 2);
    EXPECT_EQ(counts(), (std::vector<int>{1, 1}));
    EXPECT_EQ(m_log.filtersDuringAction.load(), 0);
    expectContexts();
}

// Spec 03 §3 item 11 on a level line the filter acknowledges: a re-assertion
// while the action runs is latched and delivered once afterwards.
TEST_F(InterruptTest, LevelLineRaisedWhileMaskedIsDeliveredOnce)
{
    Latch release;
    m_log.holdFirstAction = &release;
    unsigned line;
    IOService* device = levelNub(line);
    m_log.ackController = m_controller.get();
    m_log.ackLine = line;
    IOFilterInterruptEventSource* source = filterSource(device);
    source->enable();

    m_controller->assertLine(line);
    ASSERT_TRUE(waitUntil([&] { return m_log.actionRunning.load(); }));
    EXPECT_FALSE(m_controller->isAsserted(line)) << "the filter acknowledged the device";
    m_controller->assertLine(line);
    m_controller->deassertLine(line);
    m_controller->assertLine(line);
    ASSERT_TRUE(m_controller->waitIdle(kDeadlineNs));
    EXPECT_EQ(m_log.filtered.load(), 1);
    release.open();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.filtered.load(), 2);
    EXPECT_EQ(m_log.actions.load(), 2);
    EXPECT_EQ(counts(), (std::vector<int>{1, 1}));
    EXPECT_FALSE(m_controller->isAsserted(line));
    EXPECT_EQ(m_log.filtersDuringAction.load(), 0);
    expectContexts();
}

// Spec 03 §3 item 12: filter false → no action, and the line is not masked
// (every raise reaches the filter).
TEST_F(InterruptTest, FilterFalseRunsNoActionAndDoesNotMask)
{
    m_log.mode = IrqLog::Mode::Decline;
    unsigned line;
    IOService* device = msiNub(line);
    IOFilterInterruptEventSource* source = filterSource(device);
    source->enable();
    for (int i = 1; i <= 5; ++i) {
        m_controller->assertLine(line);
        ASSERT_TRUE(settled());
        EXPECT_EQ(m_log.filtered.load(), i);
    }
    EXPECT_EQ(m_log.actions.load(), 0);
    EXPECT_EQ(m_controller->statistics().latched, 0u) << "nothing was held back by a mask";
    expectContexts();
}

// Spec 03 §3 item 12: filter false + signalInterrupt() → the action runs, and the
// filter keeps firing while it does (no masking on this path).
TEST_F(InterruptTest, SignalInterruptRunsActionWhileFilterCanFire)
{
    m_log.mode = IrqLog::Mode::SignalAndDecline;
    Latch release;
    m_log.holdFirstAction = &release;
    unsigned line;
    IOService* device = msiNub(line);
    IOFilterInterruptEventSource* source = filterSource(device);
    source->enable();

    m_controller->assertLine(line);
    ASSERT_TRUE(waitUntil([&] { return m_log.actionRunning.load(); }));
    m_controller->assertLine(line);
    EXPECT_TRUE(waitUntil([&] { return m_log.filtered.load() == 2; })) << "the filter must fire while the action runs";
    EXPECT_EQ(m_log.filtersDuringAction.load(), 1);
    EXPECT_EQ(m_log.actions.load(), 0);
    release.open();
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 2);
    EXPECT_EQ(m_log.countSum.load(), 2);
    expectContexts();
}

// Spec 03 §3 item 13: `count` is the number of interrupts coalesced since the
// action last ran. The test holds the gate while interrupts arrive.
TEST_F(InterruptTest, CountIsNumberOfCoalescedInterrupts)
{
    m_log.mode = IrqLog::Mode::SignalAndDecline;
    unsigned line;
    IOService* device = msiNub(line);
    IOFilterInterruptEventSource* source = filterSource(device);
    source->enable();

    m_loop->closeGate();
    for (int i = 0; i < 5; ++i)
        m_controller->assertLine(line);
    ASSERT_TRUE(waitUntil([&] { return m_log.filtered.load() == 5; }));
    ASSERT_TRUE(m_controller->waitIdle(kDeadlineNs));
    m_loop->openGate();
    ASSERT_TRUE(settled());
    EXPECT_EQ(counts(), (std::vector<int>{5}));

    // signalInterrupt() from any thread coalesces the same way.
    m_loop->closeGate();
    for (int i = 0; i < 3; ++i)
        source->signalInterrupt();
    m_loop->openGate();
    ASSERT_TRUE(settled());
    EXPECT_EQ(counts(), (std::vector<int>{5, 3}));
    EXPECT_EQ(m_log.actions.load(), 2);
    expectContexts();
}

// Spec 03 §3 item 13 for a plain source on an edge line (not masked): the
// interrupts raised while the loop is busy arrive as one action with their count.
TEST_F(InterruptTest, PlainEdgeSourceCoalesces)
{
    const unsigned line = addLine(InterruptController::Trigger::Edge, false);
    IOService* device = nub({{m_controller, line, kIOInterruptTypeEdge}});
    IOInterruptEventSource* source = plainSource(device);
    ASSERT_NE(source, nullptr);
    EXPECT_FALSE(source->getAutoDisable());
    source->enable();
    m_loop->closeGate();
    for (int i = 0; i < 4; ++i)
        m_controller->assertLine(line);
    ASSERT_TRUE(m_controller->waitIdle(kDeadlineNs));
    EXPECT_EQ(m_controller->statistics().delivered, 4u);
    m_loop->openGate();
    ASSERT_TRUE(settled());
    EXPECT_EQ(counts(), (std::vector<int>{4}));
    expectContexts();
}

// Spec 03 §3 item 15: a sim device with a level line and an MSI vector reports
// their types by index, and an error past the last; the driver's MSI search
// finds index 1. An MSI vector has a single owner.
TEST_F(InterruptTest, InterruptTypesOfSimDevice)
{
    const unsigned intx = addLine(InterruptController::Trigger::Level, true);
    const unsigned msi = addLine(InterruptController::Trigger::Edge, false);
    IOService* device = nub({{m_controller, intx, kIOInterruptTypeLevel}, {m_controller, msi, kIOInterruptTypePCIMessaged}});
    int type = -1;
    EXPECT_EQ(device->getInterruptType(0, &type), kIOReturnSuccess);
    EXPECT_EQ(type, kIOInterruptTypeLevel);
    EXPECT_EQ(device->getInterruptType(1, &type), kIOReturnSuccess);
    EXPECT_EQ(type, kIOInterruptTypePCIMessaged);
    EXPECT_NE(device->getInterruptType(2, &type), kIOReturnSuccess);
    EXPECT_NE(device->getInterruptType(-1, &type), kIOReturnSuccess);
    EXPECT_EQ(device->getInterruptType(0, nullptr), kIOReturnBadArgument);

    // The driver's way to pick MSI: the first index whose type has the MSI bit.
    int msiIndex = -1;
    for (int index = 0; device->getInterruptType(index, &type) == kIOReturnSuccess; ++index) {
        if (type & kIOInterruptTypePCIMessaged) {
            msiIndex = index;
            break;
        }
    }
    EXPECT_EQ(msiIndex, 1);

    // A filter source on the MSI vector works; a second owner is refused.
    IOFilterInterruptEventSource* source = filterSource(device, nullptr, msiIndex);
    ASSERT_NE(source, nullptr);
    EXPECT_FALSE(source->getAutoDisable());
    IOService* other = nub({{m_controller, msi, kIOInterruptTypePCIMessaged}}, "msi-thief");
    EXPECT_EQ(IOFilterInterruptEventSource::filterInterruptEventSource(runtime().resources(), testAction, testFilter, other, 0),
              nullptr);
    EXPECT_EQ(other->registerInterrupt(0, runtime().resources(), [](OSObject*, void*, IOService*, int) {}),
              kIOReturnNoResources);
    EXPECT_EQ(device->registerInterrupt(7, runtime().resources(), [](OSObject*, void*, IOService*, int) {}),
              kIOReturnNoInterrupt);
    source->enable();
    m_controller->assertLine(msi);
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 1);
    // causeInterrupt raises the nub's own source.
    device->causeInterrupt(msiIndex);
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.actions.load(), 2);
}

namespace {
/// Two simulated devices on one shared level line, each with a pending flag in
/// its status register, as PCI INTx devices have.
struct SharedLine {
    struct Device {
        IOService* nub = nullptr;
        IOWorkLoop* loop = nullptr;
        std::atomic<bool> pending{false};
        std::atomic<int> filterCalls{0}, claims{0}, actions{0}, countSum{0};
        std::atomic<int> actionsWithoutPending{0};
    };
    InterruptController* controller = nullptr;
    unsigned line = 0;
    Device devices[2];

    Device& of(OSObject* owner) { return owner == devices[0].nub ? devices[0] : devices[1]; }
    /// The device model: set the status bit and assert the shared line.
    void raise(int index)
    {
        devices[index].pending.store(true);
        controller->assertLine(line);
    }
    /// The device's line output is the OR of the pending bits.
    void acknowledge(Device& device)
    {
        device.pending.store(false);
        if (!devices[0].pending.load() && !devices[1].pending.load())
            controller->deassertLine(line);
    }
};
SharedLine* s_shared = nullptr;

bool sharedFilter(OSObject* owner, IOFilterInterruptEventSource*)
{
    SharedLine::Device& device = s_shared->of(owner);
    device.filterCalls.fetch_add(1);
    if (!device.pending.load())
        return false; // not ours: the other device on the line
    device.claims.fetch_add(1);
    return true;
}

void sharedAction(OSObject* owner, IOInterruptEventSource*, int count)
{
    SharedLine::Device& device = s_shared->of(owner);
    if (!device.pending.load())
        device.actionsWithoutPending.fetch_add(1);
    device.countSum.fetch_add(count);
    device.actions.fetch_add(1);
    s_shared->acknowledge(device);
}
} // namespace

// Spec 03 §3 item 16: two devices share one level (INTx) line; every raise
// reaches both filters, and each claims only its own device's interrupt.
TEST_F(InterruptTest, SharedLevelLineEachFilterClaimsOwnDevice)
{
    SharedLine shared;
    s_shared = &shared;
    shared.controller = m_controller.get();
    shared.line = addLine(InterruptController::Trigger::Level, true);
    std::vector<IOInterruptEventSource*> sources;
    for (int i = 0; i < 2; ++i) {
        SharedLine::Device& device = shared.devices[i];
        device.nub = nub({{m_controller, shared.line, kIOInterruptTypeLevel}}, i == 0 ? "dev-a" : "dev-b");
        device.loop = IOWorkLoop::workLoop();
        m_extraLoops.push_back(device.loop);
        // The owner is the device's nub, so the shared filter knows whose it is.
        auto* source = IOFilterInterruptEventSource::filterInterruptEventSource(device.nub, sharedAction, sharedFilter,
                                                                                device.nub, 0);
        ASSERT_NE(source, nullptr) << "a shareable line takes a second handler";
        device.loop->addEventSource(source);
        m_sources.emplace_back(device.loop, source);
        sources.push_back(source);
    }
    for (auto* source : sources)
        source->enable();
    auto quiet = [&] {
        return settle(*m_controller, shared.devices[0].loop) && settle(*m_controller, shared.devices[1].loop) &&
               settle(*m_controller, shared.devices[0].loop);
    };

    // Device A alone, then B alone, a few times over.
    for (int round = 1; round <= 3; ++round) {
        shared.raise(0);
        ASSERT_TRUE(quiet());
        EXPECT_EQ(shared.devices[0].claims.load(), 2 * round - 1);
        EXPECT_EQ(shared.devices[1].claims.load(), round - 1);
        shared.raise(1);
        ASSERT_TRUE(quiet());
        EXPECT_EQ(shared.devices[0].claims.load(), 2 * round - 1);
        EXPECT_EQ(shared.devices[1].claims.load(), round);
        EXPECT_FALSE(m_controller->isAsserted(shared.line));
        shared.raise(0); // keep the counts symmetric: A has one more each round
        ASSERT_TRUE(quiet());
        EXPECT_EQ(shared.devices[0].claims.load(), 2 * round);
    }
    // Both pending when the line goes up: each claims its own.
    shared.devices[0].pending.store(true);
    shared.devices[1].pending.store(true);
    m_controller->assertLine(shared.line);
    ASSERT_TRUE(quiet());
    EXPECT_EQ(shared.devices[0].claims.load(), 7);
    EXPECT_EQ(shared.devices[1].claims.load(), 4);
    EXPECT_FALSE(m_controller->isAsserted(shared.line));

    for (auto& device : shared.devices) {
        EXPECT_EQ(device.actionsWithoutPending.load(), 0) << device.nub->getName() << " ran for the other device";
        EXPECT_EQ(device.countSum.load(), device.claims.load());
        EXPECT_GT(device.filterCalls.load(), device.claims.load()) << "the other device's raises reach this filter too";
    }
    s_shared = nullptr;
}

// Spec 03 §3 item 11 under load: while the interrupt action runs, its filter
// never runs, even with a timer on the same loop making the loop check the
// interrupt source all the time and a device raising the line without pause.
TEST_F(InterruptTest, FilterNeverRunsDuringActionUnderLoad)
{
    m_log.spinInAction = 5;
    unsigned line;
    IOService* device = msiNub(line);
    IOFilterInterruptEventSource* source = filterSource(device);
    static std::atomic<bool> stopTimer{false};
    stopTimer = false;
    IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(runtime().resources(), [](OSObject*, IOTimerEventSource* sender) {
        if (!stopTimer.load())
            sender->setTimeoutUS(1);
    });
    m_loop->addEventSource(timer);
    source->enable();
    timer->setTimeoutUS(1);

    std::atomic<bool> stop{false};
    // Both threads pause between steps so that the loop and the primary thread
    // are not starved of the controller's and the timer service's locks.
    std::thread clockThread([&] {
        while (!stop.load()) {
            advance(1 * kUs);
            std::this_thread::yield();
        }
    });
    std::thread deviceThread([&] {
        while (!stop.load()) {
            m_controller->assertLine(line);
            for (int i = 0; i < 3; ++i)
                std::this_thread::yield();
        }
    });
    const bool enough = waitUntil([&] { return m_log.actions.load() >= 2000; });
    stop.store(true);
    clockThread.join();
    deviceThread.join();
    stopTimer.store(true);
    ASSERT_TRUE(enough) << m_log.actions.load() << " actions, " << m_log.filtered.load() << " filter calls, "
                        << m_controller->statistics().latched << " latched, "
                        << m_controller->statistics().delivered << " delivered";
    ASSERT_TRUE(settled());
    EXPECT_EQ(m_log.filtersDuringAction.load(), 0) << "the line was not masked while the action ran";
    EXPECT_EQ(m_log.countSum.load(), m_log.filtered.load()) << "every claimed interrupt is counted once";
    timer->cancelTimeout();
    m_loop->removeEventSource(timer);
    timer->release();
    expectContexts();
}

// Spec 03 §1.3 teardown under an interrupt storm: a driver disables, removes
// and releases its filter source while its device keeps raising the line. Once
// the source is released its filter never runs again, and nothing is left
// registered (the MSI vector can be taken again at once).
TEST_F(InterruptTest, TeardownDuringInterruptStorm)
{
    unsigned line;
    IOService* device = msiNub(line);
    std::atomic<bool> stop{false};
    std::thread storm([&] {
        while (!stop.load()) {
            m_controller->assertLine(line);
            std::this_thread::yield();
        }
    });
    for (int round = 0; round < 50; ++round) {
        IOWorkLoop* loop = IOWorkLoop::workLoop();
        auto* source = IOFilterInterruptEventSource::filterInterruptEventSource(runtime().resources(), testAction,
                                                                                testFilter, device, 0);
        ASSERT_NE(source, nullptr) << "round " << round << ": the vector is still registered";
        m_log.loop = loop;
        loop->addEventSource(source);
        source->enable();
        const int before = m_log.filtered.load();
        ASSERT_TRUE(waitUntil([&] { return m_log.filtered.load() > before; }));
        // I/O Kit's order: disable, remove, release; then the loop goes.
        source->disable();
        loop->removeEventSource(source);
        source->release();
        const int afterRelease = m_log.filtered.load();
        loop->release();
        ASSERT_TRUE(m_controller->waitIdle(kDeadlineNs));
        EXPECT_EQ(m_log.filtered.load(), afterRelease) << "round " << round << ": filter ran after release";
    }
    stop.store(true);
    storm.join();
    m_log.loop = m_loop;
    EXPECT_EQ(m_log.actionsOffLoop.load(), 0);
    EXPECT_EQ(m_log.filtersOutsidePrimary.load(), 0);
}
