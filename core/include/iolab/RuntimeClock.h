// SPDX-License-Identifier: GPL-2.0-or-later
// The runtime clock: CLOCK_MONOTONIC by default, or a virtual clock that only
// moves when told to, so that tests of timeouts and timers run instantly and
// deterministically.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace iolab {

class RuntimeClock {
public:
    enum class Mode { Real, Virtual };
    explicit RuntimeClock(Mode mode = Mode::Real) : m_mode(mode) {}

    /// Nanoseconds since an arbitrary start.
    uint64_t now() const;
    bool isVirtual() const { return m_mode == Mode::Virtual; }
    /// Moves a virtual clock forward (no effect on a real one).
    void advance(uint64_t nanoseconds);

    /// CLOCK_MONOTONIC in nanoseconds, whatever the mode.
    static uint64_t monotonicNow();

    /// Waits on `condition` (with `lock` held, as condition variables do) until
    /// `done()` is true or this clock reaches `deadline` (UINT64_MAX: never).
    /// Returns done(). On a virtual clock the wait re-checks the clock every
    /// millisecond of real time, so that advance() needs no registry of waiters.
    template <class Predicate>
    bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& condition, uint64_t deadline,
                   Predicate done) const
    {
        while (!done()) {
            const uint64_t current = now();
            if (deadline != UINT64_MAX && current >= deadline)
                return done();
            if (isVirtual() || deadline == UINT64_MAX) {
                if (isVirtual())
                    condition.wait_for(lock, std::chrono::milliseconds(1));
                else
                    condition.wait(lock);
            } else {
                condition.wait_for(lock, std::chrono::nanoseconds(deadline - current));
            }
        }
        return true;
    }

    /// Called (on the advancing thread) after every advance() of a virtual clock.
    using Listener = std::function<void(uint64_t now)>;
    std::shared_ptr<Listener> addAdvanceListener(Listener listener);
    void removeAdvanceListener(const std::shared_ptr<Listener>& listener);

    /// The booted runtime's clock, or a real clock when none is booted.
    static RuntimeClock& current();

private:
    Mode m_mode;
    std::atomic<uint64_t> m_virtualNow{0};
    std::mutex m_listenersMutex;
    std::vector<std::shared_ptr<Listener>> m_listeners;
};

} // namespace iolab
