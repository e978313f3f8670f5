// SPDX-License-Identifier: GPL-2.0-or-later
#include <iolab/Runtime.h>
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
    if (m_mode != Mode::Virtual)
        return;
    const uint64_t now = m_virtualNow.fetch_add(nanoseconds, std::memory_order_acq_rel) + nanoseconds;
    std::vector<std::shared_ptr<Listener>> listeners;
    {
        std::lock_guard lock(m_listenersMutex);
        listeners = m_listeners;
    }
    for (const auto& listener : listeners)
        (*listener)(now);
}

std::shared_ptr<RuntimeClock::Listener> RuntimeClock::addAdvanceListener(Listener listener)
{
    auto shared = std::make_shared<Listener>(std::move(listener));
    std::lock_guard lock(m_listenersMutex);
    m_listeners.push_back(shared);
    return shared;
}

void RuntimeClock::removeAdvanceListener(const std::shared_ptr<Listener>& listener)
{
    std::lock_guard lock(m_listenersMutex);
    std::erase(m_listeners, listener);
}

RuntimeClock& RuntimeClock::current()
{
    if (Runtime* runtime = Runtime::current())
        return runtime->clock();
    static RuntimeClock real(Mode::Real);
    return real;
}

} // namespace iolab
