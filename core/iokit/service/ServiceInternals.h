// SPDX-License-Identifier: GPL-2.0-or-later
// What the service files share: matching, termination and notification steps
// that run on the runtime's threads.
#pragma once

#include <IOKit/IOService.h>

namespace iolab {
class Runtime;
}

struct IOServiceInternals {
    /// Publish notifications, driver matching by category, matched notifications.
    /// Runs on the matching thread (or the caller's for synchronous registration).
    static void doMatching(IOService* service);
    /// The generic keys, then the family's matchPropertyTable (which may change *score).
    static bool matchPersonality(IOService* service, OSDictionary* personality, SInt32* score);
    /// Queues `service` for matching again (after new personalities or resources).
    static void rematch(IOService* service);
    /// Calls the interest handlers of `service` for `type` (kIOGeneralInterest…).
    static void deliverInterest(IOService* service, const char* type, UInt32 messageType, void* argument,
                                vm_size_t argSize);
    static void deliverNotification(const char* type, IOService* service);
    static void setStarted(IOService* service, bool started) { service->m_started = started; }
    static bool wasStarted(IOService* service) { return service->m_started; }
    static void setStateBits(IOService* service, IOOptionBits set, IOOptionBits clear)
    {
        service->setStateBits(set, clear);
    }
    /// Runs a client's stop that was deferred until it closed the provider.
    static bool takeDeferredStop(IOService* provider, IOService* client);
    static void deferStop(IOService* provider, IOService* client);
    static bool removeInterest(IOService* service, IONotifier* notifier);
};
