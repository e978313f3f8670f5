// SPDX-License-Identifier: GPL-2.0-or-later
#include <IOKit/IOCommandGate.h>
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOTimerEventSource.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/InterruptController.h>
#include <iolab/Runtime.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace {
struct Counter : OSObject {
    std::atomic<int> timers{0}, interrupts{0}, filters{0}, lastCount{0};
};
} // namespace

TEST(WorkLoopSmoke, TimerFiresOnVirtualClock)
{
    iolab::RuntimeOptions options;
    options.clock = iolab::RuntimeClock::Mode::Virtual;
    iolab::Runtime runtime(options);
    IOWorkLoop* loop = IOWorkLoop::workLoop();
    IOService* owner = runtime.resources();
    static std::atomic<int> fired{0};
    fired = 0;
    IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(owner, [](OSObject*, IOTimerEventSource*) { ++fired; });
    ASSERT_EQ(loop->addEventSource(timer), kIOReturnSuccess);
    timer->setTimeoutMS(300'000);
    runtime.clock().advance(299'999'000'000ull);
    EXPECT_TRUE(loop->waitIdle(1'000'000'000));
    EXPECT_EQ(fired.load(), 0);
    runtime.clock().advance(1'000'000ull);
    EXPECT_TRUE(loop->waitIdle(1'000'000'000));
    EXPECT_EQ(fired.load(), 1);
    timer->cancelTimeout();
    loop->removeEventSource(timer);
    timer->release();
    loop->release();
}

TEST(WorkLoopSmoke, FilterInterruptReachesAction)
{
    iolab::Runtime runtime;
    auto controller = std::make_shared<iolab::InterruptController>("test");
    const unsigned msi = controller->addLine(iolab::InterruptController::Trigger::Edge, false);
    IOService* nub = new IOService;
    nub->init();
    iolab::setInterruptSources(nub, {{controller, msi, kIOInterruptTypePCIMessaged}});
    static std::atomic<int> filtered{0}, handled{0};
    filtered = handled = 0;
    IOWorkLoop* loop = IOWorkLoop::workLoop();
    auto* source = IOFilterInterruptEventSource::filterInterruptEventSource(
        nub, [](OSObject*, IOInterruptEventSource*, int count) { handled += count; },
        [](OSObject*, IOFilterInterruptEventSource*) {
            ++filtered;
            return true;
        },
        nub, 0);
    ASSERT_NE(source, nullptr);
    loop->addEventSource(source);
    controller->assertLine(msi); // disabled: latched
    EXPECT_TRUE(controller->waitIdle(1'000'000'000));
    EXPECT_EQ(filtered.load(), 0);
    source->enable();
    EXPECT_TRUE(controller->waitIdle(1'000'000'000));
    EXPECT_TRUE(loop->waitIdle(1'000'000'000));
    EXPECT_EQ(filtered.load(), 1);
    EXPECT_EQ(handled.load(), 1);
    loop->removeEventSource(source);
    source->release();
    loop->release();
    nub->release();
}
