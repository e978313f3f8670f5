// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSCollection.h>
#include <libkern/c++/OSDictionary.h>
#include <libkern/c++/OSSymbol.h>

OSDefineMetaClassAndAbstractStructors(OSCollection, OSObject)

unsigned int OSCollection::getCapacityIncrement() const
{
    return m_capacityIncrement;
}

unsigned int OSCollection::setCapacityIncrement(unsigned increment)
{
    m_capacityIncrement = increment ? increment : 16;
    return m_capacityIncrement;
}

unsigned OSCollection::setOptions(unsigned options, unsigned mask, void*)
{
    const unsigned old = m_options;
    m_options = (m_options & ~mask) | (options & mask);
    return old;
}

OSCollection* OSCollection::copyCollection(OSDictionary* cycleDict)
{
    // The cycle dictionary is keyed by the original collection's address, as on
    // I/O Kit: a collection met twice is copied once and shared in the copy.
    OSDictionary* ownedCycleDict = nullptr;
    if (!cycleDict) {
        cycleDict = ownedCycleDict = OSDictionary::withCapacity(16);
        if (!cycleDict)
            return nullptr;
    }
    OSCollection* result = nullptr;
    if (OSObject* done = cycleDict->getObject(reinterpret_cast<const OSSymbol*>(this))) {
        done->retain();
        result = static_cast<OSCollection*>(done);
    } else {
        result = copyMembers(cycleDict);
    }
    if (ownedCycleDict)
        ownedCycleDict->release();
    return result;
}

void OSCollection::recordCopy(OSDictionary* cycleDict, OSCollection* copy) const
{
    cycleDict->setObject(reinterpret_cast<const OSSymbol*>(this), copy);
}

OSObject* OSCollection::copyMember(const OSMetaClassBase* member, OSDictionary* cycleDict)
{
    auto* object = const_cast<OSObject*>(static_cast<const OSObject*>(member));
    if (auto* collection = OSDynamicCast(OSCollection, object))
        return collection->copyCollection(cycleDict);
    object->retain();
    return object;
}

bool OSCollection::initIndexIterator(void* iterationContext)
{
    *static_cast<unsigned int*>(iterationContext) = 0;
    return true;
}

bool OSCollection::nextByIndex(void* iterationContext, OSObject** nextObject, const OSMetaClassBase* const* items,
                               size_t count)
{
    unsigned int& index = *static_cast<unsigned int*>(iterationContext);
    if (index >= count) {
        *nextObject = nullptr;
        return false;
    }
    *nextObject = const_cast<OSObject*>(static_cast<const OSObject*>(items[index]));
    ++index;
    return true;
}
