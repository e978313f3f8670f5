// SPDX-License-Identifier: GPL-2.0-or-later
// Registration and matching: publish notifications, the generic matching keys,
// grouping by IOMatchCategory, probing, ordering by score and starting, and
// the lookups that clients use (getMatchingServices and friends).
#include "NotificationCenter.h"
#include "ServiceInternals.h"
#include "ServiceWorkers.h"

#include <IOKit/IOCatalogue.h>
#include <IOKit/IOLib.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace {

/// The matching keys as symbols, made once: dictionary lookups by symbol are a
/// pointer comparison, by C string a trip through the symbol pool.
struct MatchKeys {
    const OSSymbol* providerClass = OSSymbol::withCString(kIOProviderClassKey);
    const OSSymbol* entryID = OSSymbol::withCString(kIORegistryEntryIDKey);
    const OSSymbol* nameMatch = OSSymbol::withCString(kIONameMatchKey);
    const OSSymbol* propertyMatch = OSSymbol::withCString(kIOPropertyMatchKey);
    const OSSymbol* propertyExists = OSSymbol::withCString(kIOPropertyExistsMatchKey);
    const OSSymbol* resourceMatch = OSSymbol::withCString(kIOResourceMatchKey);
    const OSSymbol* pathMatch = OSSymbol::withCString(kIOPathMatchKey);
    const OSSymbol* locationMatch = OSSymbol::withCString(kIOLocationMatchKey);
    const OSSymbol* parentMatch = OSSymbol::withCString(kIOParentMatchKey);
    const OSSymbol* probeScore = OSSymbol::withCString(kIOProbeScoreKey);
    const OSSymbol* matchCategory = OSSymbol::withCString(kIOMatchCategoryKey);
};

const MatchKeys& keys()
{
    static const MatchKeys* matchKeys = new MatchKeys; // for the life of the process
    return *matchKeys;
}

iolab::Runtime* runtime()
{
    return iolab::Runtime::current();
}

const char* categoryOf(OSDictionary* table)
{
    auto* category = OSDynamicCast(OSString, table ? table->getObject(keys().matchCategory) : nullptr);
    return category ? category->getCStringNoCopy() : kIODefaultMatchCategoryKey;
}

SInt32 scoreOf(OSDictionary* table)
{
    auto* score = OSDynamicCast(OSNumber, table->getObject(keys().probeScore));
    return score ? static_cast<SInt32>(score->unsigned32BitValue()) : 0;
}

/// True if `service` already has an active client in `category`.
bool categoryTaken(IOService* service, const char* category)
{
    OSSharedPtr<OSArray> clients(service->copyChildren(gIOServicePlane), OSNoRetain);
    for (unsigned i = 0; clients && i < clients->getCount(); ++i) {
        auto* client = OSDynamicCast(IOService, clients->getObject(i));
        if (!client || client->isInactive())
            continue;
        OSSharedPtr<OSObject> clientCategory(client->copyProperty(kIOMatchCategoryKey), OSNoRetain);
        auto* name = OSDynamicCast(OSString, clientCategory.get());
        // Only drivers matched from a personality count (they carry IOClass).
        OSSharedPtr<OSObject> ioClass(client->copyProperty(kIOClassKey), OSNoRetain);
        if (!ioClass)
            continue;
        if ((name ? name->view() : std::string_view(kIODefaultMatchCategoryKey)) == category)
            return true;
    }
    return false;
}

bool missingResource(OSDictionary* table)
{
    auto* resource = OSDynamicCast(OSString, table->getObject(keys().resourceMatch));
    IOService* resources = IOService::getResourceService();
    if (!resource || !resources)
        return false;
    OSSharedPtr<OSObject> value(resources->copyProperty(resource), OSNoRetain);
    return !value;
}

void waitForResource(IOService* service)
{
    auto& workers = runtime()->workers();
    std::lock_guard lock(workers.waitersMutex);
    if (std::find(workers.resourceWaiters.begin(), workers.resourceWaiters.end(), service) == workers.resourceWaiters.end()) {
        service->retain();
        workers.resourceWaiters.push_back(service);
    }
}

struct Candidate {
    IOService* instance; // retained
    SInt32 score;
    unsigned order;      // position before probing: ties keep catalogue order
};

/// init → attach → probe → detach for one personality. Returns a retained
/// candidate, or NULL if the personality declined or could not be instantiated.
IOService* probeCandidate(IOService* provider, OSDictionary* personality, SInt32* score)
{
    auto* className = OSDynamicCast(OSString, personality->getObject(kIOClassKey));
    if (!className)
        return nullptr;
    OSObject* object = OSMetaClass::allocClassWithName(className);
    auto* instance = OSDynamicCast(IOService, object);
    if (!instance) {
        IOLog("IOService: matching %s: class %s is not a loaded IOService subclass\n", provider->getName(),
              className->getCStringNoCopy());
        if (object)
            object->release();
        return nullptr;
    }
    OSSharedPtr<OSDictionary> table(OSDynamicCast(OSDictionary, personality->copyCollection()), OSNoRetain);
    if (table) {
        // Record which name matched, as I/O Kit does, for drivers that match several.
        OSString* matchedName = nullptr;
        if (OSObject* names = table->getObject(kIONameMatchKey); names && provider->compareNames(names, &matchedName)) {
            table->setObject(kIONameMatchedKey, matchedName);
            matchedName->release();
        }
    }
    if (!table || !instance->init(table.get())) {
        instance->release();
        return nullptr;
    }
    if (!instance->attach(provider)) {
        instance->release();
        return nullptr;
    }
    IOService* result = instance->probe(provider, score);
    iolab::trace::record(iolab::trace::Kind::ServiceProbe, instance->getRegistryEntryID(), provider->getRegistryEntryID(),
                         result ? static_cast<uint64_t>(static_cast<int64_t>(*score)) : ~0ull);
    instance->detach(provider);
    if (!result) {
        instance->release();
        return nullptr;
    }
    if (result != instance) {
        result->retain();
        instance->release();
    }
    return result;
}

} // namespace

void IOService::registerService(IOOptionBits options)
{
    iolab::Runtime* current = runtime();
    if (!current || isInactive())
        return;
    setStateBits(kIOServiceRegisteredState, 0);
    adjustBusy(1);
    if (options & kIOServiceSynchronous) {
        IOServiceInternals::doMatching(this);
        return;
    }
    retain();
    current->workers().queueMatching([this] {
        IOServiceInternals::doMatching(this);
        release();
    });
}

void IOServiceInternals::rematch(IOService* service)
{
    iolab::Runtime* current = runtime();
    if (!current || service->isInactive() || !(service->getState() & kIOServiceRegisteredState))
        return;
    service->adjustBusy(1);
    service->retain();
    current->workers().queueMatching([service] {
        doMatching(service);
        service->release();
    });
}

void IOServiceInternals::deliverNotification(const char* type, IOService* service)
{
    if (iolab::Runtime* current = runtime())
        current->notifications().deliver(type, service);
}

void IOServiceInternals::doMatching(IOService* service)
{
    iolab::Runtime* current = runtime();
    if (service->isInactive() || !current) {
        service->adjustBusy(-1);
        return;
    }
    iolab::trace::record(iolab::trace::Kind::MatchingBegin, service->getRegistryEntryID());
    unsigned driversStarted = 0;
    const bool firstPublish = !(service->getState() & kIOServiceFirstPublishState);
    if (firstPublish)
        service->setStateBits(kIOServiceFirstPublishState, 0);
    deliverNotification(kIOPublishNotification, service);
    if (firstPublish)
        deliverNotification(kIOFirstPublishNotification, service);

    OSSharedPtr<OSOrderedSet> personalities(current->catalogue()->findDrivers(service), OSNoRetain);
    // Group by match category, keeping the catalogue's order (highest IOProbeScore first).
    std::vector<std::pair<std::string, std::vector<OSDictionary*>>> categories;
    for (unsigned i = 0; personalities && i < personalities->getCount(); ++i) {
        auto* personality = OSDynamicCast(OSDictionary, personalities->getObject(i));
        if (!personality)
            continue;
        const char* category = categoryOf(personality);
        auto it = std::find_if(categories.begin(), categories.end(), [&](auto& group) { return group.first == category; });
        if (it == categories.end())
            categories.push_back({category, {personality}});
        else
            it->second.push_back(personality);
    }

    bool waitsForResource = false;
    for (auto& [category, group] : categories) {
        if (service->isInactive())
            break;
        if (categoryTaken(service, category.c_str()))
            continue;
        std::vector<Candidate> candidates;
        for (OSDictionary* personality : group) {
            // The family's matchPropertyTable may raise the score; the personality
            // itself (and so the instance's table) stays as it was.
            SInt32 score = scoreOf(personality);
            if (!IOServiceInternals::matchPersonality(service, personality, &score)) {
                if (missingResource(personality))
                    waitsForResource = true;
                continue;
            }
            if (IOService* candidate = probeCandidate(service, personality, &score))
                candidates.push_back({candidate, score, static_cast<unsigned>(candidates.size())});
        }
        // The probed scores decide; ties keep the order they were probed in.
        std::stable_sort(candidates.begin(), candidates.end(),
                         [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
        bool started = false;
        for (Candidate& candidate : candidates) {
            IOService* instance = candidate.instance;
            if (!started && !service->isInactive() && instance->attach(service)) {
                const bool startedNow = instance->start(service);
                iolab::trace::record(iolab::trace::Kind::ServiceStart, instance->getRegistryEntryID(),
                                     service->getRegistryEntryID(), startedNow);
                if (startedNow) {
                    started = true;
                    ++driversStarted;
                    setStarted(instance, true);
                } else {
                    instance->detach(service); // a failed start is never stopped
                }
            }
            instance->release(); // losers are freed here; the winner lives on in the registry
        }
    }
    if (waitsForResource)
        waitForResource(service);

    const bool firstMatch = !(service->getState() & kIOServiceFirstMatchState);
    service->setStateBits(kIOServiceMatchedState | (firstMatch ? kIOServiceFirstMatchState : 0), 0);
    if (!service->isInactive()) {
        deliverNotification(kIOMatchedNotification, service);
        if (firstMatch)
            deliverNotification(kIOFirstMatchNotification, service);
    }
    iolab::trace::record(iolab::trace::Kind::MatchingEnd, service->getRegistryEntryID(), driversStarted);
    service->adjustBusy(-1);
}

// --- passive matching ------------------------------------------------------------------------

bool IOService::passiveMatch(OSDictionary* matching, bool changesOK)
{
    if (!matching)
        return false;
    // The family sees the personality's score and may change it; with
    // changesOK the new score is written back as the table's IOProbeScore.
    const SInt32 passive = scoreOf(matching);
    SInt32 score = passive;
    if (!IOServiceInternals::matchPersonality(this, matching, &score))
        return false;
    if (changesOK && score != passive) {
        OSSharedPtr<OSNumber> number(OSNumber::withNumber(static_cast<uint32_t>(score), 32), OSNoRetain);
        matching->setObject(kIOProbeScoreKey, number.get());
    }
    return true;
}

bool IOServiceInternals::matchPersonality(IOService* service, OSDictionary* matching, SInt32* score)
{
    return service->matchGenericKeys(matching) && service->matchPropertyTable(matching, score);
}

bool IOService::matchGenericKeys(OSDictionary* matching)
{
    if (OSObject* value = matching->getObject(keys().providerClass)) {
        auto* className = OSDynamicCast(OSString, value);
        bool conforms = false;
        for (const OSMetaClass* meta = getMetaClass(); className && meta && !conforms; meta = meta->getSuperClass())
            conforms = className->isEqualTo(meta->getClassName());
        if (!conforms)
            return false;
    }
    if (OSObject* value = matching->getObject(keys().entryID)) {
        auto* number = OSDynamicCast(OSNumber, value);
        if (!number || number->unsigned64BitValue() != getRegistryEntryID())
            return false;
    }
    if (OSObject* names = matching->getObject(keys().nameMatch); names && !compareNames(names))
        return false;
    if (OSObject* value = matching->getObject(keys().propertyMatch)) {
        auto matchesAll = [this](OSObject* candidate) {
            auto* wanted = OSDynamicCast(OSDictionary, candidate);
            if (!wanted)
                return false;
            for (unsigned i = 0; i < wanted->getCount(); ++i) {
                OSSharedPtr<OSObject> mine(copyProperty(wanted->keyAtIndex(i)), OSNoRetain);
                if (!mine || !mine->isEqualTo(wanted->objectAtIndex(i)))
                    return false;
            }
            return true;
        };
        bool matched = false;
        if (auto* array = OSDynamicCast(OSArray, value)) {
            for (unsigned i = 0; i < array->getCount() && !matched; ++i)
                matched = matchesAll(array->getObject(i));
        } else {
            matched = matchesAll(value);
        }
        if (!matched)
            return false;
    }
    if (OSObject* value = matching->getObject(keys().propertyExists)) {
        auto exists = [this](OSObject* key) {
            auto* name = OSDynamicCast(OSString, key);
            OSSharedPtr<OSObject> found(name ? copyProperty(name) : nullptr, OSNoRetain);
            return bool(found);
        };
        if (auto* collection = OSDynamicCast(OSCollection, value)) {
            OSSharedPtr<OSCollectionIterator> keys(OSCollectionIterator::withCollection(collection), OSNoRetain);
            while (OSObject* key = keys->getNextObject()) {
                if (!exists(key))
                    return false;
            }
        } else if (!exists(value)) {
            return false;
        }
    }
    if (OSObject* value = matching->getObject(keys().resourceMatch)) {
        auto* resource = OSDynamicCast(OSString, value);
        IOService* resources = getResourceService();
        OSSharedPtr<OSObject> published(resource && resources ? resources->copyProperty(resource) : nullptr, OSNoRetain);
        if (!published)
            return false;
    }
    if (OSObject* value = matching->getObject(keys().pathMatch)) {
        auto* wanted = OSDynamicCast(OSString, value);
        if (!wanted)
            return false;
        OSSharedPtr<IORegistryEntry> entry(IORegistryEntry::fromPath(wanted->getCStringNoCopy(), gIOServicePlane),
                                           OSNoRetain);
        if (entry.get() != this)
            return false;
    }
    if (OSObject* value = matching->getObject(keys().locationMatch)) {
        auto* location = OSDynamicCast(OSString, value);
        const char* mine = getLocation();
        if (!location || !mine || !location->isEqualTo(mine))
            return false;
    }
    if (OSObject* value = matching->getObject(keys().parentMatch)) {
        auto* parentMatching = OSDynamicCast(OSDictionary, value);
        if (!parentMatching)
            return false;
        bool found = false;
        OSSharedPtr<IORegistryEntry> ancestor(copyParentEntry(gIOServicePlane), OSNoRetain);
        while (ancestor && !found) {
            auto* service = OSDynamicCast(IOService, ancestor.get());
            found = service && service->passiveMatch(parentMatching);
            ancestor.reset(ancestor->copyParentEntry(gIOServicePlane), OSNoRetain);
        }
        if (!found)
            return false;
    }
    return true;
}

bool IOService::matchPropertyTable(OSDictionary* table, SInt32*)
{
    return matchPropertyTable(table);
}

bool IOService::matchPropertyTable(OSDictionary*)
{
    return true;
}

bool IOService::compareProperty(OSDictionary* matching, const char* key)
{
    if (!matching || !key)
        return false;
    OSObject* wanted = matching->getObject(key);
    if (!wanted)
        return true;
    OSSharedPtr<OSObject> mine(copyProperty(key), OSNoRetain);
    return mine && wanted->isEqualTo(mine.get());
}

bool IOService::compareProperty(OSDictionary* matching, const OSString* key)
{
    return key && compareProperty(matching, key->getCStringNoCopy());
}

bool IOService::compareProperties(OSDictionary* matching, OSCollection* keys)
{
    if (!matching || !keys)
        return false;
    OSSharedPtr<OSCollectionIterator> iterator(OSCollectionIterator::withCollection(keys), OSNoRetain);
    while (OSObject* key = iterator ? iterator->getNextObject() : nullptr) {
        if (!compareProperty(matching, OSDynamicCast(OSString, key)))
            return false;
    }
    return true;
}

IOService* IOService::matchLocation(IOService*)
{
    return getProvider();
}

// --- lookups -----------------------------------------------------------------------------------

OSIterator* IOService::getMatchingServices(OSDictionary* matching)
{
    if (!matching)
        return nullptr;
    OSSharedPtr<OSArray> found(OSArray::withCapacity(8), OSNoRetain);
    OSSharedPtr<IORegistryIterator> walk(
        IORegistryIterator::iterateOver(gIOServicePlane, kIORegistryIterateRecursively), OSNoRetain);
    while (OSObject* next = walk ? walk->getNextObject() : nullptr) {
        auto* service = OSDynamicCast(IOService, next);
        if (!service || service->isInactive() || !(service->getState() & kIOServiceRegisteredState))
            continue;
        if (found->getNextIndexOfObject(service, 0) == static_cast<unsigned>(-1) && service->passiveMatch(matching))
            found->setObject(service);
    }
    return OSCollectionIterator::withCollection(found.get());
}

IOService* IOService::copyMatchingService(OSDictionary* matching)
{
    OSSharedPtr<OSIterator> iterator(getMatchingServices(matching), OSNoRetain);
    auto* service = iterator ? OSDynamicCast(IOService, iterator->getNextObject()) : nullptr;
    if (service)
        service->retain();
    return service;
}

IOService* IOService::waitForMatchingService(OSDictionary* matching, uint64_t timeout)
{
    iolab::Runtime* current = runtime();
    if (!current || !matching)
        return nullptr;
    const auto deadline = timeout == UINT64_MAX ? std::chrono::steady_clock::time_point::max()
                                                : std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout);
    for (;;) {
        if (IOService* found = copyMatchingService(matching))
            return found;
        std::unique_lock lock(current->workers().quietMutex);
        // Every registration ends with a busy count reaching zero, which wakes us.
        auto slice = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
        if (current->workers().quietChanged.wait_until(lock, std::min(deadline, slice)) == std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline)
            return copyMatchingService(matching);
    }
}

// --- resources ------------------------------------------------------------------------------------

IOService* IOService::getResourceService()
{
    iolab::Runtime* current = runtime();
    return current ? current->resources() : nullptr;
}

IOService* IOService::getServiceRoot()
{
    iolab::Runtime* current = runtime();
    return current ? current->platformDevice() : nullptr;
}

void IOService::publishResource(const OSSymbol* key, OSObject* value)
{
    IOService* resources = getResourceService();
    if (!key || !resources)
        return;
    OSSharedPtr<const OSSymbol> serviceName;
    if (!value) {
        serviceName.reset(OSSymbol::withCString("IOService"), OSNoRetain);
        value = const_cast<OSSymbol*>(serviceName.get());
    }
    resources->setProperty(key, value);
    IOServiceInternals::rematch(resources);
    std::vector<IOService*> waiters;
    {
        auto& workers = runtime()->workers();
        std::lock_guard lock(workers.waitersMutex);
        waiters.swap(workers.resourceWaiters);
    }
    for (IOService* waiter : waiters) {
        if (waiter != resources)
            IOServiceInternals::rematch(waiter);
        waiter->release();
    }
}

void IOService::publishResource(const char* key, OSObject* value)
{
    if (!key)
        return;
    OSSharedPtr<const OSSymbol> symbol(OSSymbol::withCString(key), OSNoRetain);
    publishResource(symbol.get(), value);
}
