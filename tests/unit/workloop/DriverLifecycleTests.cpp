// SPDX-License-Identifier: GPL-2.0-or-later
// A driver written the I/O Kit way: its own work loop, a command gate, a timer
// and a filter interrupt source, created in start() and torn down in stop() in
// I/O Kit's order (spec 03 §1.3 "Teardown"). Started and terminated 1,000
// times in one runtime, it must leave no thread, object or armed timer behind.
#include "WorkLoopTestSupport.h"

#include "iokit/workloop/TimerService.h"

#include <IOKit/IOCatalogue.h>
#include <IOKit/IOCommandGate.h>
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOTimerEventSource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>

using iolab::InterruptController;
using namespace iolab::wltest;

namespace {
struct DriverCounters {
    std::atomic<int> starts{0}, stops{0}, frees{0};
    std::atomic<int> gateActions{0}, timerActions{0}, interruptActions{0}, filterCalls{0};
    std::atomic<int> wrongThread{0};
    void reset()
    {
        for (auto* counter : {&starts, &stops, &frees, &gateActions, &timerActions, &interruptActions, &filterCalls,
                              &wrongThread})
            counter->store(0);
    }
};
DriverCounters g_counters;
} // namespace

class WorkLoopTestDriver : public IOService {
    OSDeclareDefaultStructors(WorkLoopTestDriver)

public:
    bool start(IOService* provider) override;
    void stop(IOService* provider) override;
    void free() override;
    /// Its clients would share this loop.
    IOWorkLoop* getWorkLoop() const override { return m_workLoop; }

private:
    void tearDownSources();
    static IOReturn countGateAction(OSObject* owner, void*, void*, void*, void*);
    static void timerFired(OSObject* owner, IOTimerEventSource* sender);
    static bool interruptFilter(OSObject* owner, IOFilterInterruptEventSource* sender);
    static void interruptOccurred(OSObject* owner, IOInterruptEventSource* sender, int count);

    IOWorkLoop* m_workLoop = nullptr;
    IOCommandGate* m_gate = nullptr;
    IOTimerEventSource* m_timer = nullptr;
    IOFilterInterruptEventSource* m_interrupt = nullptr;
};

OSDefineMetaClassAndStructors(WorkLoopTestDriver, IOService)

bool WorkLoopTestDriver::start(IOService* provider)
{
    if (!IOService::start(provider))
        return false;
    m_workLoop = IOWorkLoop::workLoop();
    if (!m_workLoop)
        return false;
    m_workLoop->setName("WorkLoopTestDriver");
    m_gate = IOCommandGate::commandGate(this);
    m_timer = IOTimerEventSource::timerEventSource(this, timerFired);
    m_interrupt = IOFilterInterruptEventSource::filterInterruptEventSource(this, interruptOccurred, interruptFilter,
                                                                           provider, 0);
    if (!m_gate || !m_timer || !m_interrupt || m_workLoop->addEventSource(m_gate) != kIOReturnSuccess ||
        m_workLoop->addEventSource(m_timer) != kIOReturnSuccess ||
        m_workLoop->addEventSource(m_interrupt) != kIOReturnSuccess) {
        IOLog("WorkLoopTestDriver: could not set up its event sources\n");
        tearDownSources();
        return false; // stop() is not called after a failed start; free() releases the loop
    }
    m_interrupt->enable();
    m_gate->runAction(countGateAction);
    m_timer->setTimeoutMS(1);
    g_counters.starts.fetch_add(1);
    return true;
}

void WorkLoopTestDriver::tearDownSources()
{
    // I/O Kit's order: the gate, then the timer (cancelled first), then the
    // interrupt source (disabled first).
    if (m_gate) {
        if (m_workLoop)
            m_workLoop->removeEventSource(m_gate);
        OSSafeReleaseNULL(m_gate);
    }
    if (m_timer) {
        m_timer->cancelTimeout();
        if (m_workLoop)
            m_workLoop->removeEventSource(m_timer);
        OSSafeReleaseNULL(m_timer);
    }
    if (m_interrupt) {
        m_interrupt->disable();
        if (m_workLoop)
            m_workLoop->removeEventSource(m_interrupt);
        OSSafeReleaseNULL(m_interrupt);
    }
}

void WorkLoopTestDriver::stop(IOService* provider)
{
    tearDownSources();
    g_counters.stops.fetch_add(1);
    IOService::stop(provider);
}

void WorkLoopTestDriver::free()
{
    OSSafeReleaseNULL(m_workLoop);
    g_counters.frees.fetch_add(1);
    IOService::free();
}

IOReturn WorkLoopTestDriver::countGateAction(OSObject* owner, void*, void*, void*, void*)
{
    if (!static_cast<WorkLoopTestDriver*>(owner)->m_workLoop->inGate())
        g_counters.wrongThread.fetch_add(1);
    g_counters.gateActions.fetch_add(1);
    return kIOReturnSuccess;
}

void WorkLoopTestDriver::timerFired(OSObject* owner, IOTimerEventSource*)
{
    auto* me = static_cast<WorkLoopTestDriver*>(owner);
    if (!me->m_workLoop->onThread())
        g_counters.wrongThread.fetch_add(1);
    g_counters.timerActions.fetch_add(1);
    me->m_gate->runAction(countGateAction); // re-enters the gate the loop already holds
}

bool WorkLoopTestDriver::interruptFilter(OSObject*, IOFilterInterruptEventSource*)
{
    g_counters.filterCalls.fetch_add(1);
    return true;
}

void WorkLoopTestDriver::interruptOccurred(OSObject* owner, IOInterruptEventSource*, int count)
{
    if (!static_cast<WorkLoopTestDriver*>(owner)->m_workLoop->onThread())
        g_counters.wrongThread.fetch_add(1);
    g_counters.interruptActions.fetch_add(count);
}

namespace {
size_t threadCount()
{
    size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
        ++count;
    return count;
}

OSSharedPtr<OSDictionary> driverPersonality()
{
    OSSharedPtr<OSDictionary> personality(OSDictionary::withCapacity(4), OSNoRetain);
    auto string = [](const char* text) { return OSSharedPtr<OSString>(OSString::withCString(text), OSNoRetain); };
    personality->setObject(kIOClassKey, string("WorkLoopTestDriver").get());
    personality->setObject(kIOProviderClassKey, string("IOResources").get());
    personality->setObject(kIOResourceMatchKey, string("IOKit").get());
    personality->setObject(kIOMatchCategoryKey, string("WorkLoopTestDriver").get());
    return personality;
}

struct InstanceCounts {
    unsigned loops, gates, timers, interrupts, drivers;
    bool operator==(const InstanceCounts&) const = default;
};
InstanceCounts instanceCounts()
{
    return {IOWorkLoop::metaClass->getInstanceCount(), IOCommandGate::metaClass->getInstanceCount(),
            IOTimerEventSource::metaClass->getInstanceCount(), IOFilterInterruptEventSource::metaClass->getInstanceCount(),
            WorkLoopTestDriver::metaClass->getInstanceCount()};
}
std::ostream& operator<<(std::ostream& out, const InstanceCounts& c)
{
    return out << "{loops " << c.loops << ", gates " << c.gates << ", timers " << c.timers << ", interrupt sources "
               << c.interrupts << ", drivers " << c.drivers << "}";
}
} // namespace

// Spec 03 §1.3 teardown order, repeated: 1,000 start/terminate cycles of a
// driver with its own loop, gate, timer and filter interrupt source leave no
// thread, no instance and no armed timer behind.
TEST(DriverLifecycle, ThousandStartStopCyclesLeaveNothingBehind)
{
    constexpr int kCycles = 1000;
    iolab::RuntimeOptions options;
    options.clock = iolab::RuntimeClock::Mode::Virtual;
    iolab::Runtime runtime(options);
    ASSERT_EQ(runtime.waitQuiet(kDeadlineNs), kIOReturnSuccess);
    g_counters.reset();

    // IOResources stands in for the device: one MSI vector, so a handler left
    // registered by one instance would make the next instance's start fail.
    auto controller = std::make_shared<InterruptController>("drvtest");
    const unsigned msi = controller->addLine(InterruptController::Trigger::Edge, false);
    iolab::setInterruptSources(runtime.resources(), {{controller, msi, kIOInterruptTypePCIMessaged}});

    const InstanceCounts baselineInstances = instanceCounts();
    EXPECT_EQ(baselineInstances, (InstanceCounts{0, 0, 0, 0, 0}));
    const size_t baselineThreads = threadCount();
    const size_t baselineArmed = runtime.timers().armedCount();
    OSSharedPtr<OSDictionary> personality = driverPersonality();
    OSSharedPtr<OSArray> list(OSArray::withCapacity(1), OSNoRetain);
    list->setObject(personality.get());

    const auto began = std::chrono::steady_clock::now();
    for (int cycle = 1; cycle <= kCycles; ++cycle) {
        ASSERT_TRUE(runtime.catalogue()->addDrivers(list.get()));
        ASSERT_EQ(runtime.waitQuiet(kDeadlineNs), kIOReturnSuccess);
        ASSERT_EQ(g_counters.starts.load(), cycle) << "cycle " << cycle;
        runtime.clock().advance(1 * kMs); // the driver's timer
        ASSERT_EQ(runtime.resources()->causeInterrupt(0), kIOReturnSuccess);
        ASSERT_TRUE(waitUntil([&] {
            return g_counters.timerActions.load() == cycle && g_counters.interruptActions.load() == cycle;
        })) << "cycle " << cycle << ": timer " << g_counters.timerActions.load() << ", interrupt "
            << g_counters.interruptActions.load();
        ASSERT_TRUE(runtime.catalogue()->removeDrivers(personality.get()));
        ASSERT_EQ(runtime.waitQuiet(kDeadlineNs), kIOReturnSuccess);
        ASSERT_TRUE(waitUntil([&] { return g_counters.frees.load() == cycle; })) << "cycle " << cycle;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::printf("[ timing   ] %d driver start/terminate cycles: %.3f s (%.3f ms per cycle)\n", kCycles, seconds,
                seconds * 1000.0 / kCycles);
    ::testing::Test::RecordProperty("cycles_seconds", std::to_string(seconds));

    EXPECT_EQ(g_counters.stops.load(), kCycles);
    EXPECT_EQ(g_counters.gateActions.load(), 2 * kCycles); // one in start, one nested in each timer action
    EXPECT_EQ(g_counters.filterCalls.load(), kCycles);
    EXPECT_EQ(g_counters.wrongThread.load(), 0);
    EXPECT_EQ(instanceCounts(), baselineInstances);
    EXPECT_EQ(runtime.timers().armedCount(), baselineArmed);
    EXPECT_EQ(baselineArmed, 0u);
    EXPECT_TRUE(waitUntil([&] { return threadCount() == baselineThreads; }))
        << threadCount() << " threads, " << baselineThreads << " before the cycles";

    iolab::setInterruptSources(runtime.resources(), {});
    EXPECT_TRUE(controller->waitIdle(kDeadlineNs));
}
