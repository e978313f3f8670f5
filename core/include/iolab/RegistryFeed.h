// SPDX-License-Identifier: GPL-2.0-or-later
// The registry's change feed: every attach, detach, rename, property change and
// service-state change becomes an event that subscribers drain in batches. A
// subscriber that falls behind loses events but is told so (overflowed) and
// resynchronises from a snapshot; the runtime never waits for a subscriber.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace iolab {

enum class RegistryChange : uint8_t {
    Attached,          ///< entry attached to `other` (its parent) in `plane`
    Detached,          ///< entry detached from `other` in `plane`
    PropertiesChanged, ///< a property was set or removed
    Renamed,           ///< name or location changed
    StateChanged,      ///< service state (registered/matched/active/busy) changed; `state` holds it
    Freed,             ///< the entry's last reference went away
};

const char* registryChangeName(RegistryChange change);

struct RegistryEvent {
    uint64_t generation = 0; ///< registry generation after the change
    uint64_t entryID = 0;
    uint64_t otherID = 0;
    uint32_t state = 0;
    uint8_t planeIndex = 0;
    RegistryChange kind = RegistryChange::Attached;
};

class RegistryFeed;

/// One consumer's queue. Thread: the feed writes from any runtime thread; the
/// owner drains from its own thread. eventFD() becomes readable when events wait.
class RegistrySubscription {
public:
    ~RegistrySubscription();
    struct Batch {
        std::vector<RegistryEvent> events;
        bool overflowed = false; ///< events were lost: take a new snapshot
    };
    Batch drain(size_t maxEvents = SIZE_MAX);
    int eventFD() const { return m_eventFD; }
    size_t capacity() const { return m_capacity; }

private:
    friend class RegistryFeed;
    RegistrySubscription(size_t capacity);
    void push(const RegistryEvent& event);

    std::mutex m_mutex;
    std::vector<RegistryEvent> m_events;
    size_t m_capacity;
    bool m_overflowed = false;
    int m_eventFD = -1;
};

/// Thread: any. Lock: m_mutex guards the subscriber list.
class RegistryFeed {
public:
    std::shared_ptr<RegistrySubscription> subscribe(size_t capacity = 65536);
    void publish(const RegistryEvent& event);
    size_t subscriberCount() const;

private:
    mutable std::mutex m_mutex;
    std::vector<std::weak_ptr<RegistrySubscription>> m_subscribers;
};

} // namespace iolab
