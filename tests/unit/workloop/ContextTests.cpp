// SPDX-License-Identifier: GPL-2.0-or-later
// Context checks: calls that may block, made from a filter (primary-interrupt
// context), are reported, not silently allowed (spec 03 §1.2, §1.5 and §3 item 14).
#include "WorkLoopTestSupport.h"

#include <IOKit/IOCommandGate.h>
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOLib.h>
#include <iolab/ExecutionContext.h>
#include <iolab/LogRing.h>

#include <atomic>
#include <string>

using iolab::InterruptController;
using namespace iolab::wltest;

namespace {

enum class Call { IOLog, IOMalloc, IOLockLock, CommandSleep, IOSimpleLockLock, IOSimpleLockDisableInterrupt };

struct ContextProbe {
    Call call = Call::IOLog;
    IOLock* lock = nullptr;
    IOSimpleLock* spin = nullptr;
    IOCommandGate* gate = nullptr;
    std::atomic<int> filterRuns{0};
    std::atomic<int> commandSleepResult{-1};
    std::atomic<bool> wasPrimary{false};
};
ContextProbe* s_probe = nullptr;

/// Makes the call under test, wherever it is called from.
void makeCall(ContextProbe& probe)
{
    int event = 0;
    switch (probe.call) {
    case Call::IOLog: IOLog("context test: logging from a filter\n"); break;
    case Call::IOMalloc: IOFree(IOMalloc(32), 32); break;
    case Call::IOLockLock:
        IOLockLock(probe.lock);
        IOLockUnlock(probe.lock);
        break;
    case Call::CommandSleep: probe.commandSleepResult.store(probe.gate->commandSleep(&event, THREAD_UNINT)); break;
    case Call::IOSimpleLockLock:
        IOSimpleLockLock(probe.spin);
        IOSimpleLockUnlock(probe.spin);
        break;
    case Call::IOSimpleLockDisableInterrupt: {
        const IOInterruptState state = IOSimpleLockLockDisableInterrupt(probe.spin);
        IOSimpleLockUnlockEnableInterrupt(probe.spin, state);
        break;
    }
    }
}

bool callingFilter(OSObject*, IOFilterInterruptEventSource*)
{
    s_probe->wasPrimary.store(iolab::inPrimaryInterrupt());
    makeCall(*s_probe);
    s_probe->filterRuns.fetch_add(1);
    return false;
}

void unusedAction(OSObject*, IOInterruptEventSource*, int) {}

class ContextTest : public VirtualRuntimeTest {
protected:
    void SetUp() override
    {
        s_probe = &m_probe;
        m_probe.lock = IOLockAlloc();
        m_probe.spin = IOSimpleLockAlloc();
        m_controller = std::make_shared<InterruptController>("ctxtest");
        m_line = m_controller->addLine(InterruptController::Trigger::Edge, false);
        m_nub = makeNub("ctx-nub", {{m_controller, m_line, kIOInterruptTypePCIMessaged}});
        m_loop = IOWorkLoop::workLoop();
        m_probe.gate = IOCommandGate::commandGate(runtime().resources());
        m_loop->addEventSource(m_probe.gate);
        m_source = IOFilterInterruptEventSource::filterInterruptEventSource(m_nub, unusedAction, callingFilter, m_nub, 0);
        ASSERT_NE(m_source, nullptr);
        m_loop->addEventSource(m_source);
        m_source->enable();
    }
    void TearDown() override
    {
        m_source->disable();
        m_loop->removeEventSource(m_source);
        m_source->release();
        m_loop->removeEventSource(m_probe.gate);
        m_probe.gate->release();
        m_loop->release();
        m_nub->release();
        m_controller.reset();
        IOSimpleLockFree(m_probe.spin);
        IOLockFree(m_probe.lock);
        s_probe = nullptr;
    }

    struct Outcome {
        uint64_t violations = 0;
        std::vector<std::string> violationLines;
    };
    /// Raises the interrupt once with the filter making `call`, and reports the
    /// violations counted and the "context violation" lines logged meanwhile.
    Outcome raiseWith(Call call)
    {
        m_probe.call = call;
        const int runsBefore = m_probe.filterRuns.load();
        const uint64_t before = iolab::contextViolationCount();
        const uint64_t from = iolab::LogRing::global().nextSequence();
        m_controller->assertLine(m_line);
        EXPECT_TRUE(settle(*m_controller, m_loop));
        EXPECT_EQ(m_probe.filterRuns.load(), runsBefore + 1);
        EXPECT_TRUE(m_probe.wasPrimary.load()) << "filters run in primary-interrupt context";
        Outcome outcome;
        outcome.violations = iolab::contextViolationCount() - before;
        for (const iolab::LogLine& line : iolab::LogRing::global().read(from).lines) {
            if (line.text.find("context violation") != std::string::npos)
                outcome.violationLines.push_back(line.text);
        }
        return outcome;
    }
    void expectReported(Call call, const char* name)
    {
        const Outcome outcome = raiseWith(call);
        EXPECT_EQ(outcome.violations, 1u) << name;
        ASSERT_EQ(outcome.violationLines.size(), 1u) << name;
        const std::string& line = outcome.violationLines[0];
        EXPECT_NE(line.find(name), std::string::npos) << "the line names the call: " << line;
        EXPECT_NE(line.find("ctx-nub"), std::string::npos) << "the line names the device: " << line;
    }

    ContextProbe m_probe;
    std::shared_ptr<InterruptController> m_controller;
    unsigned m_line = 0;
    IOService* m_nub = nullptr;
    IOWorkLoop* m_loop = nullptr;
    IOFilterInterruptEventSource* m_source = nullptr;
};

} // namespace

// Spec 03 §3 item 14: IOLog in a filter is reported.
TEST_F(ContextTest, IOLogInFilterIsReported)
{
    expectReported(Call::IOLog, "IOLog");
}

// Spec 03 §3 item 14: IOMalloc in a filter is reported.
TEST_F(ContextTest, IOMallocInFilterIsReported)
{
    expectReported(Call::IOMalloc, "IOMalloc");
}

// Spec 03 §3 item 14: IOLockLock in a filter is reported.
TEST_F(ContextTest, IOLockLockInFilterIsReported)
{
    expectReported(Call::IOLockLock, "IOLockLock");
}

// Spec 03 §3 item 14: commandSleep in a filter is reported (and, being outside
// the gate, also refused).
TEST_F(ContextTest, CommandSleepInFilterIsReported)
{
    expectReported(Call::CommandSleep, "commandSleep");
    EXPECT_EQ(m_probe.commandSleepResult.load(), kIOReturnNotPermitted);
}

// Spec 03 §3 item 14: the simple lock is the one lock allowed in a filter.
TEST_F(ContextTest, SimpleLockInFilterIsAllowed)
{
    for (Call call : {Call::IOSimpleLockLock, Call::IOSimpleLockDisableInterrupt}) {
        const Outcome outcome = raiseWith(call);
        EXPECT_EQ(outcome.violations, 0u);
        EXPECT_TRUE(outcome.violationLines.empty());
    }
}

// The same calls on an ordinary thread are not violations.
TEST_F(ContextTest, SameCallsOutsidePrimaryContextAreNotReported)
{
    EXPECT_FALSE(iolab::inPrimaryInterrupt());
    const uint64_t before = iolab::contextViolationCount();
    for (Call call : {Call::IOLog, Call::IOMalloc, Call::IOLockLock, Call::CommandSleep, Call::IOSimpleLockLock}) {
        m_probe.call = call;
        makeCall(m_probe);
    }
    EXPECT_EQ(iolab::contextViolationCount(), before);
    EXPECT_EQ(m_probe.commandSleepResult.load(), kIOReturnNotPermitted) << "not in the gate";
    EXPECT_FALSE(iolab::checkMayBlock("test"));
    {
        // PrimaryInterruptScope is what the controller's thread uses; it nests and restores.
        iolab::PrimaryInterruptScope scope(42, "scope-test");
        EXPECT_TRUE(iolab::inPrimaryInterrupt());
        EXPECT_TRUE(iolab::checkMayBlock("test"));
    }
    EXPECT_FALSE(iolab::inPrimaryInterrupt());
    EXPECT_EQ(iolab::contextViolationCount(), before + 1);
}
