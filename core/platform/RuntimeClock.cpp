// SPDX-License-Identifier: GPL-2.0-or-later
#include <iolab/RuntimeClock.h>

#include <ctime>

namespace iolab {

uint64_t RuntimeClock::monotonicNow()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
}

uint64_t RuntimeClock::now() const
{
    return m_mode == Mode::Virtual ? m_virtualNow.load(std::memory_order_acquire) : monotonicNow();
}

void RuntimeClock::advance(uint64_t nanoseconds)
{
    if (m_mode == Mode::Virtual)
        m_virtualNow.fetch_add(nanoseconds, std::memory_order_acq_rel);
}

} // namespace iolab
