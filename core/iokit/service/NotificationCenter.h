// SPDX-License-Identifier: GPL-2.0-or-later
// Matching notifications (publish, first publish, matched, first match,
// terminated) of one runtime: the installed notifiers and their delivery.
// Thread: any; m_lock guards the list, handlers run with no lock held.
#pragma once

#include <IOKit/IOService.h>

#include <mutex>
#include <vector>

class _IOServiceNotifier;

namespace iolab {

class NotificationCenter {
public:
    ~NotificationCenter();
    IONotifier* add(const OSSymbol* type, OSDictionary* matching, IOServiceMatchingNotificationHandler handler,
                    void* target, void* ref, SInt32 priority);
    /// Calls every enabled notifier of `type` whose matching dictionary matches `service`.
    void deliver(const char* type, IOService* service);
    void remove(_IOServiceNotifier* notifier);

private:
    std::mutex m_lock;
    std::vector<_IOServiceNotifier*> m_notifiers; // retained, ordered by priority (highest first)
};

} // namespace iolab
