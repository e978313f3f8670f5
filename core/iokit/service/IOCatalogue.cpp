// SPDX-License-Identifier: GPL-2.0-or-later
// The catalogue of personalities. Thread: any; m_lock guards the tables, and
// matching is started after it is released.
#include "ServiceInternals.h"

#include <IOKit/IOCatalogue.h>
#include <IOKit/IOLib.h>
#include <iolab/Runtime.h>

#include <algorithm>
#include <set>

OSDefineMetaClassAndStructors(IOCatalogue, OSObject)

IOCatalogue* gIOCatalogue = nullptr;

namespace {

SInt32 scoreOf(OSDictionary* personality)
{
    static const OSSymbol* key = OSSymbol::withCString(kIOProbeScoreKey);
    auto* score = OSDynamicCast(OSNumber, personality->getObject(key));
    return score ? static_cast<SInt32>(score->unsigned32BitValue()) : 0;
}

/// True if every key of `matching` is in `personality` with an equal value.
bool containsAll(OSDictionary* personality, OSDictionary* matching)
{
    for (unsigned i = 0; i < matching->getCount(); ++i) {
        OSObject* value = personality->getObject(matching->keyAtIndex(i));
        if (!value || !value->isEqualTo(matching->objectAtIndex(i)))
            return false;
    }
    return true;
}

/// Every active service (retained, in registry order), only registered ones if asked.
std::vector<IOService*> allServices(bool registeredOnly)
{
    std::vector<IOService*> services;
    OSSharedPtr<IORegistryIterator> walk(
        IORegistryIterator::iterateOver(gIOServicePlane, kIORegistryIterateRecursively), OSNoRetain);
    std::set<IOService*> seen;
    while (OSObject* next = walk ? walk->getNextObject() : nullptr) {
        auto* service = OSDynamicCast(IOService, next);
        if (service && !service->isInactive() && (!registeredOnly || (service->getState() & kIOServiceRegisteredState)) &&
            seen.insert(service).second) {
            service->retain();
            services.push_back(service);
        }
    }
    return services;
}

/// Matches again every registered service whose class is one of `providerClasses` or a subclass.
void rematchProviders(const std::set<std::string>& providerClasses)
{
    for (IOService* service : allServices(true)) {
        bool concerned = false;
        for (const OSMetaClass* meta = service->getMetaClass(); meta && !concerned; meta = meta->getSuperClass())
            concerned = providerClasses.count(meta->getClassName());
        if (concerned)
            IOServiceInternals::rematch(service);
        service->release();
    }
}

} // namespace

bool IOCatalogue::init()
{
    return OSObject::init();
}

void IOCatalogue::free()
{
    for (OSDictionary* personality : m_all)
        personality->release();
    m_all.clear();
    for (auto& [name, bucket] : m_byProviderClass) {
        for (OSDictionary* personality : bucket)
            personality->release();
    }
    m_byProviderClass.clear();
    OSObject::free();
}

bool IOCatalogue::addDrivers(OSArray* personalities, bool doNubMatching)
{
    if (!personalities)
        return false;
    std::set<std::string> providerClasses;
    bool allAdded = true;
    {
        std::lock_guard lock(m_lock);
        for (unsigned i = 0; i < personalities->getCount(); ++i) {
            auto* personality = OSDynamicCast(OSDictionary, personalities->getObject(i));
            auto* ioClass = personality ? OSDynamicCast(OSString, personality->getObject(kIOClassKey)) : nullptr;
            auto* provider = personality ? OSDynamicCast(OSString, personality->getObject(kIOProviderClassKey)) : nullptr;
            if (!personality || !ioClass || !provider) {
                auto* bundle = personality ? OSDynamicCast(OSString, personality->getObject(kCFBundleIdentifierKey)) : nullptr;
                IOLog("IOCatalogue: personality %u%s%s skipped: %s\n", i, bundle ? " of " : "",
                      bundle ? bundle->getCStringNoCopy() : "",
                      !personality ? "not a dictionary" : !ioClass ? "no IOClass string" : "no IOProviderClass string");
                allAdded = false;
                continue;
            }
            auto& bucket = m_byProviderClass[provider->getCStringNoCopy()];
            if (std::any_of(bucket.begin(), bucket.end(), [&](OSDictionary* known) { return known->isEqualTo(personality); }))
                continue; // the same personality twice adds nothing
            personality->retain();
            m_all.push_back(personality);
            personality->retain();
            bucket.push_back(personality);
            providerClasses.insert(provider->getCStringNoCopy());
        }
        ++m_generation;
    }
    if (doNubMatching && !providerClasses.empty())
        rematchProviders(providerClasses);
    return allAdded;
}

bool IOCatalogue::removeDrivers(OSDictionary* matching, bool doNubMatching)
{
    if (!matching)
        return false;
    std::vector<OSDictionary*> removed;
    {
        std::lock_guard lock(m_lock);
        for (auto it = m_all.begin(); it != m_all.end();) {
            if (containsAll(*it, matching)) {
                removed.push_back(*it);
                it = m_all.erase(it);
            } else {
                ++it;
            }
        }
        for (auto& [name, bucket] : m_byProviderClass) {
            for (auto it = bucket.begin(); it != bucket.end();) {
                if (std::find(removed.begin(), removed.end(), *it) != removed.end()) {
                    (*it)->release();
                    it = bucket.erase(it);
                } else {
                    ++it;
                }
            }
        }
        ++m_generation;
    }
    // Terminate the drivers made from the removed personalities (their property
    // table starts as a copy of the personality, so it still holds its keys).
    std::set<std::string> providerClasses;
    for (OSDictionary* personality : removed) {
        if (auto* provider = OSDynamicCast(OSString, personality->getObject(kIOProviderClassKey)))
            providerClasses.insert(provider->getCStringNoCopy());
    }
    for (IOService* service : allServices(false)) {
        OSSharedPtr<OSDictionary> properties(service->dictionaryWithProperties(), OSNoRetain);
        const bool fromRemoved = properties && properties->getObject(kIOClassKey) &&
                                 std::any_of(removed.begin(), removed.end(), [&](OSDictionary* personality) {
                                     return containsAll(properties.get(), personality);
                                 });
        if (fromRemoved)
            service->terminate(0);
        service->release();
    }
    for (OSDictionary* personality : removed)
        personality->release();
    if (doNubMatching && !providerClasses.empty())
        rematchProviders(providerClasses);
    return true;
}

OSOrderedSet* IOCatalogue::findDrivers(IOService* service, SInt32* generationCount) const
{
    // Scores are read once per personality, not once per comparison.
    std::vector<std::pair<SInt32, OSDictionary*>> found;
    {
        std::lock_guard lock(m_lock);
        for (const OSMetaClass* meta = service ? service->getMetaClass() : nullptr; meta; meta = meta->getSuperClass()) {
            auto it = m_byProviderClass.find(meta->getClassName());
            if (it == m_byProviderClass.end())
                continue;
            for (OSDictionary* personality : it->second) {
                personality->retain();
                found.emplace_back(scoreOf(personality), personality);
            }
        }
        if (generationCount)
            *generationCount = m_generation;
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    OSOrderedSet* set = OSOrderedSet::withCapacity(static_cast<unsigned>(found.size()));
    for (const auto& [score, personality] : found) {
        set->setLastObject(personality);
        personality->release();
    }
    return set;
}

OSOrderedSet* IOCatalogue::findDrivers(OSDictionary* matching, SInt32* generationCount) const
{
    OSOrderedSet* set = OSOrderedSet::withCapacity(8);
    std::lock_guard lock(m_lock);
    for (OSDictionary* personality : m_all) {
        if (matching && containsAll(personality, matching))
            set->setLastObject(personality);
    }
    if (generationCount)
        *generationCount = m_generation;
    return set;
}

SInt32 IOCatalogue::getGenerationCount() const
{
    std::lock_guard lock(m_lock);
    return m_generation;
}

bool IOCatalogue::startMatching(OSDictionary* matching)
{
    if (!matching)
        return false;
    for (IOService* service : allServices(true)) {
        if (service->passiveMatch(matching))
            IOServiceInternals::rematch(service);
        service->release();
    }
    return true;
}

OSArray* IOCatalogue::copyPersonalities() const
{
    std::lock_guard lock(m_lock);
    OSArray* array = OSArray::withCapacity(static_cast<unsigned>(m_all.size()));
    for (OSDictionary* personality : m_all)
        array->setObject(personality);
    return array;
}

unsigned IOCatalogue::personalityCount() const
{
    std::lock_guard lock(m_lock);
    return static_cast<unsigned>(m_all.size());
}
