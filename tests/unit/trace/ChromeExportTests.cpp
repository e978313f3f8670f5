// SPDX-License-Identifier: GPL-2.0-or-later
// Chrome trace export of real work: a work loop with a timer, a command gate
// (nested and sleeping callers) and a filter interrupt source. The JSON must
// load with Python's json module and its B/E slices must nest on every thread
// (checked by check_chrome_trace.py).
#include <IOKit/IOCommandGate.h>
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOLib.h>
#include <IOKit/IOTimerEventSource.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/InterruptController.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace trace = iolab::trace;

namespace {

constexpr uint64_t kDeadlineNs = 30'000'000'000ull;
constexpr uint64_t kMs = 1'000'000ull;

struct Activity {
    IOCommandGate* gate = nullptr;
    std::atomic<int> timerRuns{0}, interruptRuns{0}, gateRuns{0};
    std::atomic<bool> sleeping{false};
    int event = 0;
};
Activity* s_activity = nullptr;

IOReturn countGate(OSObject*, void*, void*, void*, void*)
{
    s_activity->gateRuns.fetch_add(1);
    return kIOReturnSuccess;
}

IOReturn nestedGate(OSObject*, void*, void*, void*, void*)
{
    s_activity->gateRuns.fetch_add(1);
    return s_activity->gate->runAction(countGate); // nested: a slice inside a slice
}

IOReturn sleepInGate(OSObject*, void*, void*, void*, void*)
{
    s_activity->sleeping.store(true);
    return s_activity->gate->commandSleep(&s_activity->event, THREAD_UNINT);
}

IOReturn wakeSleeper(OSObject*, void*, void*, void*, void*)
{
    s_activity->gate->commandWakeup(&s_activity->event, false);
    return kIOReturnSuccess;
}

void timerAction(OSObject*, IOTimerEventSource* sender)
{
    s_activity->gate->runAction(nestedGate);
    IOLog("timer run %d: \"quoted\" back\\slash \xE2\x9C\x93\n", s_activity->timerRuns.load());
    if (s_activity->timerRuns.load() < 4)
        sender->setTimeoutMS(1);
    s_activity->timerRuns.fetch_add(1);
}

bool interruptFilter(OSObject*, IOFilterInterruptEventSource*)
{
    return true;
}

void interruptAction(OSObject*, IOInterruptEventSource*, int count)
{
    s_activity->gate->runAction(countGate);
    s_activity->interruptRuns.fetch_add(count);
}

bool waitFor(const std::atomic<int>& value, int target)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(kDeadlineNs);
    while (value.load() < target) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
}

/// Runs `command`, returning its exit status and what it printed.
int runCommand(const std::string& command, std::string& output)
{
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return -1;
    std::array<char, 512> buffer{};
    while (size_t got = std::fread(buffer.data(), 1, buffer.size(), pipe))
        output.append(buffer.data(), got);
    return ::pclose(pipe);
}

} // namespace

TEST(ChromeExport, WorkLoopTraceLoadsAndNests)
{
#ifndef IOLAB_PYTHON3
    GTEST_SKIP() << "no Python 3 interpreter was found at configure time";
#else
    iolab::RuntimeOptions options;
    options.clock = iolab::RuntimeClock::Mode::Virtual;
    iolab::Runtime runtime(options);
    ASSERT_EQ(runtime.waitQuiet(kDeadlineNs), kIOReturnSuccess);
    trace::setEnabled(true);
    trace::flush();
    const uint64_t from = trace::statistics().collected;

    Activity activity;
    s_activity = &activity;
    IOService* owner = runtime.resources();
    IOWorkLoop* loop = IOWorkLoop::workLoop();
    loop->setName("ChromeExport");
    activity.gate = IOCommandGate::commandGate(owner);
    IOTimerEventSource* timer = IOTimerEventSource::timerEventSource(owner, timerAction);
    auto controller = std::make_shared<iolab::InterruptController>("export");
    const unsigned msi = controller->addLine(iolab::InterruptController::Trigger::Edge, false);
    auto* nub = new IOService;
    nub->init();
    nub->setName("export-nub");
    iolab::setInterruptSources(nub, {{controller, msi, kIOInterruptTypePCIMessaged}});
    auto* interrupt = IOFilterInterruptEventSource::filterInterruptEventSource(owner, interruptAction, interruptFilter,
                                                                               nub, 0);
    ASSERT_NE(interrupt, nullptr);
    loop->addEventSource(activity.gate);
    loop->addEventSource(timer);
    loop->addEventSource(interrupt);
    interrupt->enable();

    // A caller that sleeps in the gate while everything else goes on.
    std::thread sleeper([&] { activity.gate->runAction(sleepInGate); });
    // Callers on two threads, nested and not.
    std::vector<std::thread> callers;
    for (int t = 0; t < 2; ++t) {
        callers.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i)
                activity.gate->runAction(t ? nestedGate : countGate);
        });
    }
    timer->setTimeoutMS(1);
    for (int i = 0; i < 5; ++i) {
        runtime.clock().advance(1 * kMs);
        ASSERT_TRUE(waitFor(activity.timerRuns, i + 1));
    }
    for (int i = 0; i < 10; ++i) {
        controller->assertLine(msi);
        ASSERT_TRUE(waitFor(activity.interruptRuns, i + 1));
    }
    for (auto& caller : callers)
        caller.join();
    while (!activity.sleeping.load())
        std::this_thread::yield();
    activity.gate->runAction(wakeSleeper);
    sleeper.join();
    ASSERT_TRUE(loop->waitIdle(kDeadlineNs));

    timer->cancelTimeout();
    interrupt->disable();
    loop->removeEventSource(interrupt);
    loop->removeEventSource(timer);
    loop->removeEventSource(activity.gate);
    interrupt->release();
    timer->release();
    activity.gate->release();
    loop->release();
    nub->release();
    controller.reset();

    trace::flush();
    const trace::Batch batch = trace::read(from);
    EXPECT_EQ(batch.missed, 0u);
    int begins = 0, ends = 0, timers = 0, dispatched = 0, logs = 0;
    for (const trace::Event& event : batch.events) {
        switch (event.kind) {
        case trace::Kind::WorkLoopBegin:
        case trace::Kind::GateBegin: ++begins; break;
        case trace::Kind::WorkLoopEnd:
        case trace::Kind::GateEnd: ++ends; break;
        case trace::Kind::TimerFired: ++timers; break;
        case trace::Kind::InterruptDispatched: ++dispatched; break;
        case trace::Kind::Log: logs += event.payload.find("quoted") != std::string::npos; break;
        default: break;
        }
    }
    EXPECT_EQ(begins, ends);
    EXPECT_GE(timers, 5);
    EXPECT_GE(dispatched, 1);
    EXPECT_EQ(logs, 5);

    const std::string json = trace::exportChromeJSON(batch.events);
    char path[] = "/tmp/iolab-chrome-trace-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    {
        std::ofstream file(path, std::ios::binary);
        file << json;
    }
    std::string output;
    const int status = runCommand(std::string("'") + IOLAB_PYTHON3 + "' '" + IOLAB_CHROME_TRACE_CHECKER + "' '" + path +
                                      "' WorkLoopAction GateAction",
                                  output);
    EXPECT_EQ(status, 0) << output;
    std::printf("%s", output.c_str());
    ::unlink(path);
    s_activity = nullptr;
#endif
}

// Not every event has to come from a work loop: an export of a hand-made list
// with awkward payloads is still valid JSON.
TEST(ChromeExport, AwkwardPayloadsStayValidJSON)
{
#ifndef IOLAB_PYTHON3
    GTEST_SKIP() << "no Python 3 interpreter was found at configure time";
#else
    std::vector<trace::Event> events(4);
    events[0].kind = trace::Kind::Log;
    events[0].payload = "line with \"quotes\", \\backslashes\\, and \xFF\xFE invalid UTF-8";
    events[0].threadID = 1;
    events[1].kind = trace::Kind::DMATransfer;
    events[1].payload = std::string("\x00\x01\x02", 3);
    events[1].threadID = 1;
    events[2].kind = trace::Kind::GateBegin;
    events[2].threadID = 2;
    events[2].timeNs = 1000;
    events[3].kind = trace::Kind::GateEnd;
    events[3].threadID = 2;
    events[3].timeNs = 2500;
    const std::string json = trace::exportChromeJSON(events);
    char path[] = "/tmp/iolab-chrome-trace-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, json.data(), json.size()), static_cast<ssize_t>(json.size()));
    ::close(fd);
    std::string output;
    const int status = runCommand(std::string("'") + IOLAB_PYTHON3 + "' '" + IOLAB_CHROME_TRACE_CHECKER + "' '" + path +
                                      "' GateAction",
                                  output);
    EXPECT_EQ(status, 0) << output;
    ::unlink(path);
#endif
}
