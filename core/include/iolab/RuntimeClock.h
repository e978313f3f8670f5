// SPDX-License-Identifier: GPL-2.0-or-later
// The runtime clock: CLOCK_MONOTONIC by default, or a virtual clock that only
// moves when told to, so that tests of timeouts and timers run instantly and
// deterministically.
#pragma once

#include <atomic>
#include <cstdint>

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

private:
    Mode m_mode;
    std::atomic<uint64_t> m_virtualNow{0};
};

} // namespace iolab
