// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSArray.h>
#include <libkern/c++/OSDictionary.h>
#include <libkern/c++/OSSet.h>

#include <algorithm>

OSDefineMetaClassAndStructors(OSSet, OSCollection)

OSSet* OSSet::withCapacity(unsigned int capacity)
{
    auto* me = new OSSet;
    if (!me->initWithCapacity(capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSSet* OSSet::withObjects(const OSObject* objects[], unsigned int count, unsigned int capacity)
{
    auto* me = new OSSet;
    if (!me->initWithObjects(objects, count, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSSet* OSSet::withArray(const OSArray* array, unsigned int capacity)
{
    auto* me = new OSSet;
    if (!me->initWithArray(array, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSSet* OSSet::withSet(const OSSet* set, unsigned int capacity)
{
    auto* me = new OSSet;
    if (!me->initWithSet(set, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSSet::initWithCapacity(unsigned int capacity)
{
    if (!OSCollection::init())
        return false;
    setCapacityIncrement(0);
    m_members.reserve(capacity);
    return true;
}

bool OSSet::initWithObjects(const OSObject* objects[], unsigned int count, unsigned int capacity)
{
    if (!objects || (capacity && capacity < count) || !initWithCapacity(capacity ? capacity : count))
        return false;
    for (unsigned int i = 0; i < count; ++i) {
        // A repeated object is skipped, as on I/O Kit; only a NULL one fails.
        if (!objects[i])
            return false;
        setObject(objects[i]);
    }
    return true;
}

bool OSSet::initWithArray(const OSArray* array, unsigned int capacity)
{
    if (!array || (capacity && capacity < array->getCount()) ||
        !initWithCapacity(capacity ? capacity : array->getCount()))
        return false;
    return merge(array);
}

bool OSSet::initWithSet(const OSSet* set, unsigned int capacity)
{
    if (!set || (capacity && capacity < set->getCount()) || !initWithCapacity(capacity ? capacity : set->getCount()))
        return false;
    return merge(set);
}

unsigned int OSSet::getCount() const
{
    return static_cast<unsigned>(m_members.size());
}

unsigned int OSSet::getCapacity() const
{
    return static_cast<unsigned>(m_members.capacity());
}

unsigned int OSSet::ensureCapacity(unsigned int newCapacity)
{
    if (newCapacity > m_members.capacity())
        m_members.reserve(newCapacity);
    return getCapacity();
}

void OSSet::flushCollection()
{
    haveUpdated();
    auto members = std::move(m_members);
    m_members.clear();
    for (const OSMetaClassBase* member : members)
        member->release();
}

bool OSSet::setObject(const OSMetaClassBase* anObject)
{
    if (!anObject || isImmutable())
        return false;
    if (containsObject(anObject))
        return false;
    haveUpdated();
    anObject->retain();
    m_members.push_back(anObject);
    return true;
}

bool OSSet::merge(const OSArray* array)
{
    if (!array || isImmutable())
        return false;
    for (unsigned int i = 0; i < array->getCount(); ++i)
        setObject(array->getObject(i));
    return true;
}

bool OSSet::merge(const OSSet* set)
{
    if (!set || isImmutable())
        return false;
    if (set == this)
        return true;
    for (const OSMetaClassBase* member : set->m_members)
        setObject(member);
    return true;
}

void OSSet::removeObject(const OSMetaClassBase* anObject)
{
    auto it = std::find(m_members.begin(), m_members.end(), anObject);
    if (it == m_members.end() || isImmutable())
        return;
    haveUpdated();
    m_members.erase(it);
    anObject->release();
}

bool OSSet::containsObject(const OSMetaClassBase* anObject) const
{
    return anObject && std::find(m_members.begin(), m_members.end(), anObject) != m_members.end();
}

bool OSSet::member(const OSMetaClassBase* anObject) const
{
    return containsObject(anObject);
}

OSObject* OSSet::getAnyObject() const
{
    return m_members.empty() ? nullptr : const_cast<OSObject*>(static_cast<const OSObject*>(m_members.front()));
}

bool OSSet::isEqualTo(const OSMetaClassBase* anObject) const
{
    return isEqualTo(OSDynamicCast(OSSet, anObject));
}

bool OSSet::isEqualTo(const OSSet* aSet) const
{
    if (!aSet)
        return false;
    if (aSet == this)
        return true;
    if (aSet->getCount() != getCount())
        return false;
    // Members are distinct objects; equal sets hold equal values in any order.
    std::vector<bool> matched(m_members.size(), false);
    for (const OSMetaClassBase* theirs : aSet->m_members) {
        bool found = false;
        for (size_t i = 0; i < m_members.size() && !found; ++i) {
            if (!matched[i] && m_members[i]->isEqualTo(theirs))
                matched[i] = found = true;
        }
        if (!found)
            return false;
    }
    return true;
}

OSCollection* OSSet::copyMembers(OSDictionary* cycleDict)
{
    OSSet* copy = OSSet::withCapacity(getCount());
    if (!copy)
        return nullptr;
    recordCopy(cycleDict, copy);
    for (const OSMetaClassBase* member : m_members) {
        OSObject* memberCopy = copyMember(member, cycleDict);
        if (!memberCopy) {
            copy->release();
            return nullptr;
        }
        copy->setObject(memberCopy);
        memberCopy->release();
    }
    return copy;
}

unsigned int OSSet::iteratorSize() const
{
    return indexIteratorSize();
}

bool OSSet::initIterator(void* iterationContext) const
{
    return initIndexIterator(iterationContext);
}

bool OSSet::getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const
{
    return nextByIndex(iterationContext, nextObject, m_members.data(), m_members.size());
}

void OSSet::free()
{
    m_options &= ~kImmutable;
    flushCollection();
    OSCollection::free();
}
