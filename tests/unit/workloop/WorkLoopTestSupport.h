// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the work-loop, lock and interrupt tests: a runtime on the
// virtual clock, waiting with a generous deadline (never a fixed sleep), a
// one-shot latch a blocked callback can wait on, and a nub with interrupt sources.
#pragma once

#include <IOKit/IOService.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/InterruptController.h>
#include <iolab/Runtime.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace iolab::wltest {

/// How long a test waits for something asynchronous before it fails. Generous,
/// for the sanitizer builds; a passing test never comes close.
inline constexpr std::chrono::seconds kDeadline{30};
inline constexpr uint64_t kDeadlineNs = 30'000'000'000ull;

inline constexpr uint64_t kMs = 1'000'000ull;
inline constexpr uint64_t kUs = 1'000ull;

/// Polls `condition` until it holds or the deadline passes; returns the last value.
inline bool waitUntil(const std::function<bool()>& condition, std::chrono::nanoseconds timeout = kDeadline)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= end)
            return condition();
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
}

/// A flag one thread opens and others wait on (a callback blocking "until the
/// test lets it go").
class Latch {
public:
    void open()
    {
        {
            std::lock_guard lock(m_mutex);
            m_open = true;
        }
        m_changed.notify_all();
    }
    /// False if the deadline passed first.
    bool wait(std::chrono::nanoseconds timeout = kDeadline)
    {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout, [&] { return m_open; });
    }
    bool isOpen()
    {
        std::lock_guard lock(m_mutex);
        return m_open;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_open = false;
};

/// A runtime on the virtual clock, booted for the test's duration.
class VirtualRuntimeTest : public ::testing::Test {
protected:
    VirtualRuntimeTest() : m_runtime(virtualOptions()) {}

    static RuntimeOptions virtualOptions()
    {
        RuntimeOptions options;
        options.clock = RuntimeClock::Mode::Virtual;
        return options;
    }
    Runtime& runtime() { return m_runtime; }
    RuntimeClock& clock() { return m_runtime.clock(); }
    uint64_t now() { return m_runtime.clock().now(); }
    void advance(uint64_t nanoseconds) { m_runtime.clock().advance(nanoseconds); }

private:
    Runtime m_runtime;
};

/// Waits until both the controller and the loop are idle at the same moment
/// (a delivery can make the loop busy, and an action's unmasking can queue a
/// delivery, so one pass is not enough).
inline bool settle(InterruptController& controller, IOWorkLoop* loop)
{
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < end) {
        if (!controller.waitIdle(kDeadlineNs))
            return false;
        if (loop && !loop->waitIdle(kDeadlineNs))
            return false;
        if (controller.waitIdle(0) && (!loop || loop->waitIdle(0)))
            return true;
    }
    return false;
}

/// A bare nub (initialised, not registered) with the given interrupt sources.
inline IOService* makeNub(const char* name, std::vector<InterruptSource> sources)
{
    auto* nub = new IOService;
    if (!nub->init()) {
        nub->release();
        return nullptr;
    }
    nub->setName(name);
    setInterruptSources(nub, std::move(sources));
    return nub;
}

} // namespace iolab::wltest
