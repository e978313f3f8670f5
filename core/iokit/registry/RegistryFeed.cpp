// SPDX-License-Identifier: GPL-2.0-or-later
#include <iolab/RegistryFeed.h>

#include <algorithm>
#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>
#include <utility>

namespace iolab {

const char* registryChangeName(RegistryChange change)
{
    switch (change) {
    case RegistryChange::Attached: return "attached";
    case RegistryChange::Detached: return "detached";
    case RegistryChange::PropertiesChanged: return "properties";
    case RegistryChange::Renamed: return "renamed";
    case RegistryChange::StateChanged: return "state";
    case RegistryChange::Freed: return "freed";
    }
    return "?";
}

RegistrySubscription::RegistrySubscription(size_t capacity) : m_capacity(std::max<size_t>(capacity, 1))
{
    m_eventFD = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

RegistrySubscription::~RegistrySubscription()
{
    if (m_eventFD >= 0)
        ::close(m_eventFD);
}

void RegistrySubscription::push(const RegistryEvent& event)
{
    bool wasEmpty;
    {
        std::lock_guard lock(m_mutex);
        if (m_events.size() >= m_capacity) {
            m_overflowed = true;
            return;
        }
        wasEmpty = m_events.empty();
        m_events.push_back(event);
    }
    if (wasEmpty && m_eventFD >= 0) {
        const uint64_t one = 1;
        [[maybe_unused]] ssize_t written = ::write(m_eventFD, &one, sizeof one);
    }
}

RegistrySubscription::Batch RegistrySubscription::drain(size_t maxEvents)
{
    Batch batch;
    std::lock_guard lock(m_mutex);
    if (m_events.size() <= maxEvents) {
        batch.events.swap(m_events);
    } else {
        batch.events.assign(m_events.begin(), m_events.begin() + static_cast<ptrdiff_t>(maxEvents));
        m_events.erase(m_events.begin(), m_events.begin() + static_cast<ptrdiff_t>(maxEvents));
    }
    batch.overflowed = std::exchange(m_overflowed, false);
    if (m_events.empty() && m_eventFD >= 0) {
        uint64_t count;
        [[maybe_unused]] ssize_t got = ::read(m_eventFD, &count, sizeof count);
    }
    return batch;
}

std::shared_ptr<RegistrySubscription> RegistryFeed::subscribe(size_t capacity)
{
    std::shared_ptr<RegistrySubscription> subscription(new RegistrySubscription(capacity));
    std::lock_guard lock(m_mutex);
    m_subscribers.push_back(subscription);
    return subscription;
}

void RegistryFeed::publish(const RegistryEvent& event)
{
    std::lock_guard lock(m_mutex);
    if (m_subscribers.empty())
        return;
    bool expired = false;
    for (auto& weak : m_subscribers) {
        if (auto subscription = weak.lock())
            subscription->push(event);
        else
            expired = true;
    }
    if (expired)
        std::erase_if(m_subscribers, [](const auto& weak) { return weak.expired(); });
}

size_t RegistryFeed::subscriberCount() const
{
    std::lock_guard lock(m_mutex);
    return m_subscribers.size();
}

} // namespace iolab
