// SPDX-License-Identifier: GPL-2.0-or-later
// IOService: lifecycle defaults, providers and clients, busy state, open/close
// arbitration and messages. Matching is in IOServiceMatching.cpp, termination
// in IOServiceTermination.cpp, notifications in IOServiceNotification.cpp.
#include "NotificationCenter.h"
#include "ServiceInternals.h"
#include "ServiceWorkers.h"

#include <IOKit/IOLib.h>
#include <iolab/InterruptController.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <algorithm>
#include <mutex>
#include <vector>
#include <chrono>

OSDefineMetaClassAndStructors(IOService, IORegistryEntry)
OSDefineMetaClassAndAbstractStructors(IONotifier, OSObject)

/// Interest in one service's messages.
class _IOServiceInterestNotifier final : public IONotifier {
    OSDeclareDefaultStructors(_IOServiceInterestNotifier)

public:
    static _IOServiceInterestNotifier* make(IOService* service, const OSSymbol* type, IOServiceInterestHandler handler,
                                  void* target, void* ref)
    {
        auto* me = new _IOServiceInterestNotifier;
        me->init();
        me->m_service = service; // not retained: the service drops its notifiers when freed
        type->retain();
        me->m_type = type;
        me->m_handler = handler;
        me->m_target = target;
        me->m_ref = ref;
        return me;
    }
    void remove() override;
    bool disable() override { return m_enabled.exchange(false); }
    void enable(bool was) override { m_enabled.store(was); }
    void free() override
    {
        OSSafeReleaseNULL(m_type);
        IONotifier::free();
    }

    IOReturn call(UInt32 messageType, IOService* provider, void* argument, vm_size_t argSize)
    {
        return m_enabled.load() && !m_removed.load()
                   ? m_handler(m_target, m_ref, messageType, provider, argument, argSize)
                   : kIOReturnSuccess;
    }
    bool isType(const char* type) const { return m_type->isEqualTo(type); }
    void detachFromService() { m_service = nullptr; }

    std::atomic<bool> m_removed{false};

private:
    IOService* m_service = nullptr;
    const OSSymbol* m_type = nullptr;
    IOServiceInterestHandler m_handler = nullptr;
    void* m_target = nullptr;
    void* m_ref = nullptr;
    std::atomic<bool> m_enabled{true};
    friend class IOService;
};

OSDefineMetaClassAndStructors(_IOServiceInterestNotifier, IONotifier)
using InterestNotifier = _IOServiceInterestNotifier;

namespace {
/// Serialises busy-count walks with the attach and detach steps that move a
/// client's busy count between providers, so no change is counted twice or
/// lost. Lock order: this lock, then the registry lock, then service locks.
std::recursive_mutex& busyLock()
{
    static std::recursive_mutex* lock = new std::recursive_mutex;
    return *lock;
}
} // namespace

// --- lifecycle defaults -----------------------------------------------------------------

bool IOService::init(OSDictionary* dictionary)
{
    return IORegistryEntry::init(dictionary);
}

void IOService::free()
{
    if (m_interrupts)
        iolab::setInterruptSources(this, {}); // detaches any handler left registered and frees the table
    std::vector<IONotifier*> interest;
    {
        std::lock_guard lock(m_serviceLock);
        interest.swap(m_interest);
    }
    for (IONotifier* notifier : interest) {
        static_cast<InterestNotifier*>(notifier)->detachFromService();
        notifier->release();
    }
    IORegistryEntry::free();
}

IOService* IOService::probe(IOService*, SInt32*)
{
    return this;
}

bool IOService::start(IOService*)
{
    return true;
}

void IOService::stop(IOService*) {}

bool IOService::attach(IOService* provider)
{
    // A terminating provider takes no new clients.
    if (!provider || !gIOServicePlane || provider->isInactive())
        return false;
    if (isParent(provider, gIOServicePlane))
        return true;
    std::unique_lock busy(busyLock());
    if (!attachToParent(provider, gIOServicePlane))
        return false;
    // Termination marks a provider inactive before it collects the provider's
    // clients; if that happened while we were linking, it may have missed us:
    // undo the link rather than hang on to a dying provider.
    if (provider->isInactive()) {
        detachFromParent(provider, gIOServicePlane);
        return false;
    }
    // A busy client lends its busy count to its first provider, the one
    // adjustBusy walks up to.
    if (m_busy.load() > 0 && getParentEntry(gIOServicePlane) == provider)
        provider->adjustBusy(1);
    iolab::trace::record(iolab::trace::Kind::ServiceAttach, getRegistryEntryID(), provider->getRegistryEntryID());
    return true;
}

void IOService::detach(IOService* provider)
{
    if (!provider || !gIOServicePlane)
        return;
    OSSharedPtr<IOService> self(this, OSRetain), keep(provider, OSRetain); // detaching drops the link's references
    // The busy count lent to the first provider moves to the next one, under
    // the busy lock so that no busy change of this service slips in between.
    std::lock_guard busy(busyLock());
    const bool wasFirst = getParentEntry(gIOServicePlane) == provider;
    detachFromParent(provider, gIOServicePlane);
    if (wasFirst && m_busy.load() > 0) {
        OSSharedPtr<IORegistryEntry> next(copyParentEntry(gIOServicePlane), OSNoRetain);
        if (auto* nextProvider = OSDynamicCast(IOService, next.get()))
            nextProvider->adjustBusy(1);
        provider->adjustBusy(-1);
    }
}

// --- providers and clients ---------------------------------------------------------------

IOService* IOService::getProvider() const
{
    return OSDynamicCast(IOService, getParentEntry(gIOServicePlane));
}

OSIterator* IOService::getProviderIterator() const
{
    return getParentIterator(gIOServicePlane);
}

IOService* IOService::getClient() const
{
    return OSDynamicCast(IOService, getChildEntry(gIOServicePlane));
}

OSIterator* IOService::getClientIterator() const
{
    return getChildIterator(gIOServicePlane);
}

OSIterator* IOService::getOpenProviderIterator() const
{
    OSSharedPtr<OSArray> providers(copyParents(gIOServicePlane), OSNoRetain);
    OSSharedPtr<OSArray> open(OSArray::withCapacity(2), OSNoRetain);
    for (unsigned i = 0; providers && i < providers->getCount(); ++i) {
        auto* provider = OSDynamicCast(IOService, providers->getObject(i));
        if (provider && provider->isOpen(this))
            open->setObject(provider);
    }
    return OSCollectionIterator::withCollection(open.get());
}

OSIterator* IOService::getOpenClientIterator() const
{
    OSSharedPtr<OSArray> open(OSArray::withCapacity(2), OSNoRetain);
    {
        std::lock_guard lock(m_serviceLock);
        for (IOService* client : m_openClients)
            open->setObject(client);
    }
    return OSCollectionIterator::withCollection(open.get());
}

IOWorkLoop* IOService::getWorkLoop() const
{
    // I/O Kit's rule: a service without its own work loop shares its provider's.
    IOService* provider = getProvider();
    return provider ? provider->getWorkLoop() : nullptr;
}

// --- state and busy ----------------------------------------------------------------------------

void IOService::setStateBits(IOOptionBits set, IOOptionBits clear)
{
    IOOptionBits old = m_state.load();
    IOOptionBits next;
    do {
        next = (old & ~clear) | set;
    } while (!m_state.compare_exchange_weak(old, next));
    if (next != old)
        noteChange(static_cast<unsigned>(iolab::RegistryChange::StateChanged), 0, 0, next);
}

UInt32 IOService::getBusyState()
{
    return static_cast<UInt32>(std::max<SInt32>(m_busy.load(), 0));
}

uint64_t IOService::getAccumulatedBusyTime() const
{
    std::lock_guard lock(m_serviceLock);
    uint64_t total = m_busyTotalNs;
    if (m_busy.load() > 0 && iolab::Runtime::current())
        total += iolab::Runtime::current()->clock().now() - m_busySince;
    return total / 1000000;
}

void IOService::adjustBusy(SInt32 delta)
{
    if (!delta)
        return;
    iolab::Runtime* runtime = iolab::Runtime::current();
    struct Crossing {
        OSSharedPtr<IOService> service;
        SInt32 after;
    };
    std::vector<Crossing> crossings;
    {
        std::lock_guard busy(busyLock());
        // Walk up the provider chain while the count crosses zero, as I/O Kit does.
        OSSharedPtr<IOService> next(this, OSRetain);
        while (next) {
            IOService* service = next.get();
            const SInt32 before = service->m_busy.fetch_add(delta);
            const SInt32 after = before + delta;
            if (after < 0) {
                IOLog("IOService: busy count of %s went below zero\n", service->getName());
                service->m_busy.store(0);
                break;
            }
            if ((before == 0) == (after == 0))
                break;
            {
                std::lock_guard lock(service->m_serviceLock);
                const uint64_t now = runtime ? runtime->clock().now() : 0;
                if (after > 0)
                    service->m_busySince = now;
                else
                    service->m_busyTotalNs += now - service->m_busySince;
            }
            crossings.push_back({next, after});
            OSSharedPtr<IORegistryEntry> parent(service->copyParentEntry(gIOServicePlane), OSNoRetain);
            next = OSDynamicPtrCast<IOService>(parent);
            // A provider counts busy clients, not their counts: it moves by one.
            delta = after > 0 ? 1 : -1;
        }
    }
    // Told outside the lock: interest handlers may do anything.
    for (const Crossing& crossing : crossings) {
        IOService* service = crossing.service.get();
        service->noteChange(static_cast<unsigned>(iolab::RegistryChange::StateChanged), 0, 0, service->getState());
        IOServiceInternals::deliverInterest(service, kIOBusyInterest, kIOMessageServiceBusyStateChange,
                                            reinterpret_cast<void*>(static_cast<uintptr_t>(crossing.after)), 0);
        if (crossing.after == 0 && runtime) {
            std::lock_guard lock(runtime->workers().quietMutex);
            runtime->workers().quietChanged.notify_all();
        }
    }
}

IOReturn IOService::waitQuiet(uint64_t timeout)
{
    iolab::Runtime* runtime = iolab::Runtime::current();
    if (!runtime)
        return kIOReturnNotReady;
    auto& workers = runtime->workers();
    std::unique_lock lock(workers.quietMutex);
    auto quiet = [&] { return m_busy.load() == 0; };
    if (timeout == UINT64_MAX) {
        workers.quietChanged.wait(lock, quiet);
        return kIOReturnSuccess;
    }
    return workers.quietChanged.wait_for(lock, std::chrono::nanoseconds(timeout), quiet) ? kIOReturnSuccess
                                                                                         : kIOReturnTimeout;
}

// --- open / close ------------------------------------------------------------------------------

bool IOService::open(IOService* forClient, IOOptionBits options, void* arg)
{
    if (!forClient || isInactive())
        return false;
    std::lock_guard lock(m_serviceLock);
    return handleOpen(forClient, options, arg);
}

void IOService::close(IOService* forClient, IOOptionBits options)
{
    if (!forClient)
        return;
    bool wasOpen;
    {
        std::lock_guard lock(m_serviceLock);
        wasOpen = handleIsOpen(forClient);
        if (wasOpen)
            handleClose(forClient, options);
    }
    if (!wasOpen)
        return;
    // A terminated client that kept us open gets its stop now.
    if (IOServiceInternals::takeDeferredStop(this, forClient)) {
        OSSharedPtr<IOService> client(forClient, OSRetain);
        OSSharedPtr<IOService> provider(this, OSRetain);
        iolab::Runtime::current()->workers().queueTermination([client, provider] {
            client->stop(provider.get());
            client->detach(provider.get());
        });
    } else {
        messageClients(kIOMessageServiceWasClosed, forClient);
    }
}

bool IOService::isOpen(const IOService* forClient) const
{
    std::lock_guard lock(m_serviceLock);
    return handleIsOpen(forClient);
}

bool IOService::handleOpen(IOService* forClient, IOOptionBits, void*)
{
    // Requires m_serviceLock. Exclusive by default: one client at a time.
    if (!m_openClients.empty())
        return std::find(m_openClients.begin(), m_openClients.end(), forClient) != m_openClients.end();
    m_openClients.push_back(forClient);
    return true;
}

void IOService::handleClose(IOService* forClient, IOOptionBits)
{
    std::erase(m_openClients, forClient);
}

bool IOService::handleIsOpen(const IOService* forClient) const
{
    if (!forClient)
        return !m_openClients.empty();
    return std::find(m_openClients.begin(), m_openClients.end(), forClient) != m_openClients.end();
}

// --- messages and interest -------------------------------------------------------------------------

IOReturn IOService::message(UInt32, IOService*, void*)
{
    return kIOReturnUnsupported;
}

IOReturn IOService::messageClient(UInt32 messageType, OSObject* client, void* messageArgument, vm_size_t argSize)
{
    if (auto* service = OSDynamicCast(IOService, client))
        return service->message(messageType, this, messageArgument);
    if (auto* notifier = OSDynamicCast(IONotifier, client))
        return static_cast<InterestNotifier*>(notifier)->call(messageType, this, messageArgument, argSize);
    return kIOReturnBadArgument;
}

IOReturn IOService::messageClients(UInt32 type, void* argument, vm_size_t argSize)
{
    OSSharedPtr<OSArray> clients(copyChildren(gIOServicePlane), OSNoRetain);
    for (unsigned i = 0; clients && i < clients->getCount(); ++i)
        messageClient(type, clients->getObject(i), argument, argSize);
    IOServiceInternals::deliverInterest(this, kIOGeneralInterest, type, argument, argSize);
    return kIOReturnSuccess;
}

IONotifier* IOService::registerInterest(const OSSymbol* typeOfInterest, IOServiceInterestHandler handler, void* target,
                                        void* ref)
{
    if (!typeOfInterest || !handler)
        return nullptr;
    if (!typeOfInterest->isEqualTo(kIOGeneralInterest) && !typeOfInterest->isEqualTo(kIOBusyInterest) &&
        !typeOfInterest->isEqualTo(kIOAppPowerStateInterest) && !typeOfInterest->isEqualTo(kIOPriorityPowerStateInterest))
        return nullptr;
    InterestNotifier* notifier = InterestNotifier::make(this, typeOfInterest, handler, target, ref);
    {
        std::lock_guard lock(m_serviceLock);
        notifier->retain(); // the service's reference
        m_interest.push_back(notifier);
    }
    return notifier;
}

void InterestNotifier::remove()
{
    if (m_removed.exchange(true))
        return;
    if (IOService* service = m_service; service && IOServiceInternals::removeInterest(service, this))
        release(); // the service's reference
    release(); // the caller's reference
}

void IOServiceInternals::deliverInterest(IOService* service, const char* type, UInt32 messageType, void* argument,
                                         vm_size_t argSize)
{
    std::vector<InterestNotifier*> targets;
    {
        std::lock_guard lock(service->m_serviceLock);
        for (IONotifier* notifier : service->m_interest) {
            auto* interest = static_cast<InterestNotifier*>(notifier);
            if (interest->isType(type) && !interest->m_removed.load()) {
                interest->retain();
                targets.push_back(interest);
            }
        }
    }
    for (InterestNotifier* interest : targets) {
        interest->call(messageType, service, argument, argSize);
        interest->release();
    }
}

bool IOServiceInternals::removeInterest(IOService* service, IONotifier* notifier)
{
    std::lock_guard lock(service->m_serviceLock);
    auto it = std::find(service->m_interest.begin(), service->m_interest.end(), notifier);
    if (it == service->m_interest.end())
        return false;
    service->m_interest.erase(it);
    return true;
}

bool IOServiceInternals::takeDeferredStop(IOService* provider, IOService* client)
{
    std::lock_guard lock(provider->m_serviceLock);
    auto it = std::find(provider->m_deferredStops.begin(), provider->m_deferredStops.end(), client);
    if (it == provider->m_deferredStops.end())
        return false;
    provider->m_deferredStops.erase(it);
    return true;
}

void IOServiceInternals::deferStop(IOService* provider, IOService* client)
{
    std::lock_guard lock(provider->m_serviceLock);
    provider->m_deferredStops.push_back(client);
}

// --- matching dictionaries ---------------------------------------------------------------------------

namespace {
OSDictionary* withEntry(OSDictionary* table, const char* key, OSObject* value)
{
    // As on I/O Kit: a table passed in is filled and returned (the caller already owns it).
    if (!table)
        table = OSDictionary::withCapacity(2);
    if (table && value)
        table->setObject(key, value);
    return table;
}

OSDictionary* withString(OSDictionary* table, const char* key, const char* text)
{
    if (!text)
        return nullptr;
    OSSharedPtr<const OSSymbol> value(OSSymbol::withCString(text), OSNoRetain);
    return withEntry(table, key, const_cast<OSSymbol*>(value.get()));
}
} // namespace

OSDictionary* IOService::serviceMatching(const char* className, OSDictionary* table)
{
    return withString(table, kIOProviderClassKey, className);
}

OSDictionary* IOService::serviceMatching(const OSString* className, OSDictionary* table)
{
    return className ? serviceMatching(className->getCStringNoCopy(), table) : nullptr;
}

OSDictionary* IOService::nameMatching(const char* name, OSDictionary* table)
{
    return withString(table, kIONameMatchKey, name);
}

OSDictionary* IOService::nameMatching(const OSString* name, OSDictionary* table)
{
    return name ? nameMatching(name->getCStringNoCopy(), table) : nullptr;
}

OSDictionary* IOService::resourceMatching(const char* name, OSDictionary* table)
{
    OSDictionary* result = serviceMatching(kIOResourcesClass, table);
    if (result && name) {
        OSSharedPtr<const OSSymbol> value(OSSymbol::withCString(name), OSNoRetain);
        result->setObject(kIOResourceMatchKey, value.get());
    }
    return result;
}

OSDictionary* IOService::propertyMatching(const OSSymbol* key, const OSObject* value, OSDictionary* table)
{
    if (!key || !value)
        return nullptr;
    OSSharedPtr<OSDictionary> property(OSDictionary::withCapacity(1), OSNoRetain);
    property->setObject(key, value);
    return withEntry(table, kIOPropertyMatchKey, property.get());
}

OSDictionary* IOService::registryEntryIDMatching(uint64_t entryID, OSDictionary* table)
{
    OSSharedPtr<OSNumber> number(OSNumber::withNumber(entryID, 64), OSNoRetain);
    return withEntry(table, kIORegistryEntryIDKey, number.get());
}
