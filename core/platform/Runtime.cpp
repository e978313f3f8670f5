// SPDX-License-Identifier: GPL-2.0-or-later
// Boot and shutdown of the runtime. Thread: the owner's (boot and shutdown
// must not run on a runtime thread).
#include "../iokit/service/NotificationCenter.h"
#include "../iokit/service/ServiceWorkers.h"
#include "../iokit/workloop/TimerService.h"

#include <IOKit/IOPlatformExpert.h>
#include <IOKit/pwr_mgt/RootDomain.h>
#include <iolab/KextManager.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <cstdio>
#include <cstdlib>

namespace iolab {

namespace {
std::atomic<Runtime*> s_current{nullptr};

template <class T>
T* makeService(const char* name)
{
    auto* service = new T;
    if (!service->init()) {
        std::fprintf(stderr, "iolab: could not create %s\n", name);
        std::abort();
    }
    service->setName(name);
    return service;
}
} // namespace

Runtime::Runtime(const RuntimeOptions& options) : m_clock(options.clock)
{
    Runtime* expected = nullptr;
    if (!s_current.compare_exchange_strong(expected, this)) {
        std::fprintf(stderr, "iolab: a runtime is already booted in this process\n");
        std::abort();
    }
    m_registry = std::make_unique<Registry>();
    m_notifications = std::make_unique<NotificationCenter>();
    m_workers = std::make_unique<ServiceWorkers>();
    m_timers = std::make_unique<TimerService>(m_clock);
    trace::startCollector();
    m_catalogue = new IOCatalogue;
    m_catalogue->init();
    gIOCatalogue = m_catalogue;
    m_kexts = std::make_unique<KextManager>(*this);
    m_running = true;

    IORegistryEntry* root = m_registry->root();
    m_platformDevice = makeService<IOPlatformExpertDevice>(options.machineName.c_str());
    m_platformDevice->attachToParent(root, gIOServicePlane);
    m_resources = makeService<IOResources>(kIOResourcesClass);
    m_resources->attachToParent(root, gIOServicePlane);
    m_rootDomain = makeService<IOPMrootDomain>("IOPMrootDomain");
    m_rootDomain->attach(m_platformDevice);
    m_rootDomain->attachToParent(root, gIOPowerPlane);

    m_platformDevice->registerService();
    m_resources->registerService();
    m_rootDomain->registerService();
    IOService::publishResource(kIOKitResourceKey);
}

Runtime::~Runtime()
{
    shutdown();
}

Runtime* Runtime::current()
{
    return s_current.load(std::memory_order_acquire);
}

IOReturn Runtime::waitQuiet(uint64_t timeoutNs)
{
    for (IOService* top : {m_platformDevice, m_resources}) {
        if (!top)
            continue;
        if (IOReturn result = top->waitQuiet(timeoutNs); result != kIOReturnSuccess)
            return result;
    }
    return kIOReturnSuccess;
}

void Runtime::shutdown()
{
    if (!m_running)
        return;
    // Everything hangs from these two: terminating them stops and detaches every
    // driver. A busy count that never drops must not hang shutdown: it is
    // reported and shutdown goes on.
    constexpr uint64_t kQuietLimitNs = 30'000'000'000ull;
    auto settle = [this](const char* when) {
        if (waitQuiet(kQuietLimitNs) != kIOReturnSuccess)
            std::fprintf(stderr, "iolab: runtime still busy after 30 s %s; shutting down anyway\n", when);
    };
    settle("before shutdown");
    m_kexts.reset(); // unloads kexts (terminating their drivers), dependents first
    m_resources->terminate(kIOServiceSynchronous);
    m_platformDevice->terminate(kIOServiceSynchronous);
    settle("after terminating every service");
    m_workers->stop();
    m_timers.reset();
    {
        std::lock_guard lock(m_workers->waitersMutex);
        for (IOService* waiter : m_workers->resourceWaiters)
            waiter->release();
        m_workers->resourceWaiters.clear();
    }
    OSSafeReleaseNULL(m_rootDomain);
    OSSafeReleaseNULL(m_resources);
    OSSafeReleaseNULL(m_platformDevice);
    m_notifications.reset();
    gIOCatalogue = nullptr;
    OSSafeReleaseNULL(m_catalogue);
    m_registry.reset();
    m_workers.reset();
    m_running = false;
    s_current.store(nullptr);
}

} // namespace iolab
