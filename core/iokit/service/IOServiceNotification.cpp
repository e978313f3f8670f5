// SPDX-License-Identifier: GPL-2.0-or-later
// Matching notifications: publish, first publish, matched, first match and
// terminated. "First" notifications fire once per service per notifier, even
// if a service is being matched while the notifier is installed.
#include "NotificationCenter.h"
#include "ServiceInternals.h"

#include <iolab/Runtime.h>

#include <algorithm>
#include <set>

class _IOServiceNotifier final : public IONotifier {
    OSDeclareDefaultStructors(_IOServiceNotifier)

public:
    bool setup(const OSSymbol* type, OSDictionary* matching, IOServiceMatchingNotificationHandler handler, void* target,
               void* ref, SInt32 priority)
    {
        if (!IONotifier::init())
            return false;
        type->retain();
        matching->retain();
        m_type = type;
        m_matching = matching;
        m_handler = handler;
        m_target = target;
        m_ref = ref;
        m_priority = priority;
        m_first = type->isEqualTo(kIOFirstPublishNotification) || type->isEqualTo(kIOFirstMatchNotification);
        return true;
    }

    void remove() override
    {
        if (m_removed.exchange(true))
            return;
        if (iolab::Runtime* runtime = iolab::Runtime::current())
            runtime->notifications().remove(this);
        release(); // the caller's reference
    }
    bool disable() override { return m_enabled.exchange(false); }
    void enable(bool was) override { m_enabled.store(was); }

    void free() override
    {
        OSSafeReleaseNULL(m_type);
        OSSafeReleaseNULL(m_matching);
        IONotifier::free();
    }

    /// Calls the handler if `service` matches (and, for "first" types, was not delivered before).
    void offer(IOService* service)
    {
        if (!m_enabled.load() || m_removed.load() || !service->passiveMatch(m_matching))
            return;
        if (m_first) {
            std::lock_guard lock(m_deliveredLock);
            if (!m_delivered.insert(service->getRegistryEntryID()).second)
                return;
        }
        m_handler(m_target, m_ref, service, this);
    }

    bool isType(const char* type) const { return m_type->isEqualTo(type); }
    SInt32 priority() const { return m_priority; }
    const OSSymbol* type() const { return m_type; }
    OSDictionary* matching() const { return m_matching; }

private:
    const OSSymbol* m_type = nullptr;
    OSDictionary* m_matching = nullptr;
    IOServiceMatchingNotificationHandler m_handler = nullptr;
    void* m_target = nullptr;
    void* m_ref = nullptr;
    SInt32 m_priority = 0;
    bool m_first = false;
    std::atomic<bool> m_enabled{true};
    std::atomic<bool> m_removed{false};
    std::mutex m_deliveredLock;
    std::set<uint64_t> m_delivered;
};

OSDefineMetaClassAndStructors(_IOServiceNotifier, IONotifier)

namespace iolab {

NotificationCenter::~NotificationCenter()
{
    std::vector<_IOServiceNotifier*> notifiers;
    {
        std::lock_guard lock(m_lock);
        notifiers.swap(m_notifiers);
    }
    for (_IOServiceNotifier* notifier : notifiers)
        notifier->release();
}

IONotifier* NotificationCenter::add(const OSSymbol* type, OSDictionary* matching,
                                    IOServiceMatchingNotificationHandler handler, void* target, void* ref,
                                    SInt32 priority)
{
    auto* notifier = new _IOServiceNotifier;
    if (!notifier->setup(type, matching, handler, target, ref, priority)) {
        notifier->release();
        return nullptr;
    }
    auto* entry = notifier;
    {
        std::lock_guard lock(m_lock);
        entry->retain(); // the center's reference
        auto position = std::find_if(m_notifiers.begin(), m_notifiers.end(),
                                     [&](_IOServiceNotifier* other) { return other->priority() < priority; });
        m_notifiers.insert(position, entry);
    }
    // Services that already qualify are delivered now (terminated ones cannot be).
    IOOptionBits wanted = 0;
    if (type->isEqualTo(kIOPublishNotification) || type->isEqualTo(kIOFirstPublishNotification))
        wanted = kIOServiceFirstPublishState;
    else if (type->isEqualTo(kIOMatchedNotification) || type->isEqualTo(kIOFirstMatchNotification))
        wanted = kIOServiceFirstMatchState;
    if (wanted) {
        OSSharedPtr<OSIterator> existing(IOService::getMatchingServices(matching), OSNoRetain);
        while (OSObject* next = existing ? existing->getNextObject() : nullptr) {
            auto* service = static_cast<IOService*>(next);
            if (service->getState() & wanted)
                entry->offer(service);
        }
    }
    return notifier;
}

void NotificationCenter::deliver(const char* type, IOService* service)
{
    std::vector<_IOServiceNotifier*> targets;
    {
        std::lock_guard lock(m_lock);
        for (_IOServiceNotifier* notifier : m_notifiers) {
            if (notifier->isType(type)) {
                notifier->retain();
                targets.push_back(notifier);
            }
        }
    }
    for (_IOServiceNotifier* notifier : targets) {
        notifier->offer(service);
        notifier->release();
    }
}

void NotificationCenter::remove(_IOServiceNotifier* notifier)
{
    bool found = false;
    {
        std::lock_guard lock(m_lock);
        auto it = std::find(m_notifiers.begin(), m_notifiers.end(), notifier);
        if (it != m_notifiers.end()) {
            m_notifiers.erase(it);
            found = true;
        }
    }
    if (found)
        notifier->release();
}

} // namespace iolab

IONotifier* IOService::addMatchingNotification(const OSSymbol* type, OSDictionary* matching,
                                               IOServiceMatchingNotificationHandler handler, void* target, void* ref,
                                               SInt32 priority)
{
    iolab::Runtime* runtime = iolab::Runtime::current();
    if (!runtime || !type || !matching || !handler)
        return nullptr;
    static const char* const kTypes[] = {kIOPublishNotification, kIOFirstPublishNotification, kIOMatchedNotification,
                                         kIOFirstMatchNotification, kIOTerminatedNotification,
                                         kIOWillTerminateNotification};
    if (std::none_of(std::begin(kTypes), std::end(kTypes), [&](const char* known) { return type->isEqualTo(known); }))
        return nullptr;
    return runtime->notifications().add(type, matching, handler, target, ref, priority);
}
