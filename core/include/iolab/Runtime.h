// SPDX-License-Identifier: GPL-2.0-or-later
// iolab::Runtime: boots the whole I/O Kit world (registry, catalogue, matching
// and termination threads, the platform root, IOResources, IOPMrootDomain),
// runs it, and shuts it down cleanly: every service terminated, every thread
// joined, every object freed. One runtime is booted at a time per process.
#pragma once

#include <IOKit/IOCatalogue.h>
#include <IOKit/IOService.h>
#include <iolab/Registry.h>
#include <iolab/RuntimeClock.h>

#include <memory>
#include <string>

namespace iolab {

class ServiceWorkers;
class NotificationCenter;
class TimerService;
class KextManager;

struct RuntimeOptions {
    RuntimeClock::Mode clock = RuntimeClock::Mode::Real;
    /// Name of the platform device under Root ("IOLab" by default).
    std::string machineName = "IOLab";
};

class Runtime {
public:
    explicit Runtime(const RuntimeOptions& options = {});
    /// Shuts down (see shutdown()).
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    /// The booted runtime, or NULL.
    static Runtime* current();

    Registry& registry() { return *m_registry; }
    RuntimeClock& clock() { return m_clock; }
    IOCatalogue* catalogue() const { return m_catalogue; }
    IOService* platformDevice() const { return m_platformDevice; }
    IOService* resources() const { return m_resources; }
    IOService* rootDomain() const { return m_rootDomain; }
    ServiceWorkers& workers() { return *m_workers; }
    NotificationCenter& notifications() { return *m_notifications; }
    TimerService& timers() { return *m_timers; }
    KextManager& kexts() { return *m_kexts; }

    /// Waits until no service is busy. kIOReturnTimeout after `timeoutNs`.
    IOReturn waitQuiet(uint64_t timeoutNs = UINT64_MAX);
    /// Terminates every service, waits for quiet, joins the runtime's threads
    /// and frees the registry. Called by the destructor; safe to call twice.
    void shutdown();

private:
    RuntimeClock m_clock;
    std::unique_ptr<Registry> m_registry;
    std::unique_ptr<NotificationCenter> m_notifications;
    std::unique_ptr<ServiceWorkers> m_workers;
    std::unique_ptr<TimerService> m_timers;
    std::unique_ptr<KextManager> m_kexts;
    IOCatalogue* m_catalogue = nullptr;
    IOService* m_platformDevice = nullptr;
    IOService* m_resources = nullptr;
    IOService* m_rootDomain = nullptr;
    bool m_running = false;
};

} // namespace iolab
