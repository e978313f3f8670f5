// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSDictionary.h>
#include <libkern/c++/OSOrderedSet.h>

#include <algorithm>

OSDefineMetaClassAndStructors(OSOrderedSet, OSCollection)

OSOrderedSet* OSOrderedSet::withCapacity(unsigned int capacity, OSOrderFunction orderFunc, void* orderingContext)
{
    auto* me = new OSOrderedSet;
    if (!me->initWithCapacity(capacity, orderFunc, orderingContext)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSOrderedSet::initWithCapacity(unsigned int capacity, OSOrderFunction orderFunc, void* orderingContext)
{
    if (!OSCollection::init())
        return false;
    setCapacityIncrement(0);
    m_members.reserve(capacity);
    m_ordering = orderFunc;
    m_orderingContext = orderingContext;
    return true;
}

unsigned int OSOrderedSet::getCount() const
{
    return static_cast<unsigned>(m_members.size());
}

unsigned int OSOrderedSet::getCapacity() const
{
    return static_cast<unsigned>(m_members.capacity());
}

unsigned int OSOrderedSet::ensureCapacity(unsigned int newCapacity)
{
    if (newCapacity > m_members.capacity())
        m_members.reserve(newCapacity);
    return getCapacity();
}

void OSOrderedSet::flushCollection()
{
    haveUpdated();
    auto members = std::move(m_members);
    m_members.clear();
    for (const OSMetaClassBase* member : members)
        member->release();
}

bool OSOrderedSet::setObject(unsigned int index, const OSMetaClassBase* anObject)
{
    if (!anObject || index > m_members.size() || isImmutable() || containsObject(anObject))
        return false;
    haveUpdated();
    anObject->retain();
    m_members.insert(m_members.begin() + index, anObject);
    return true;
}

bool OSOrderedSet::setFirstObject(const OSMetaClassBase* anObject)
{
    return setObject(0, anObject);
}

bool OSOrderedSet::setLastObject(const OSMetaClassBase* anObject)
{
    return setObject(getCount(), anObject);
}

bool OSOrderedSet::setObject(const OSMetaClassBase* anObject)
{
    if (!m_ordering)
        return setLastObject(anObject);
    // Queue behind every member that sorts before it or equal to it, so equal
    // members keep the order they arrived in (I/O Kit's rule).
    unsigned int index = 0;
    while (index < m_members.size() && m_ordering(m_members[index], anObject, m_orderingContext) >= 0)
        ++index;
    return setObject(index, anObject);
}

void OSOrderedSet::removeObject(const OSMetaClassBase* anObject)
{
    auto it = std::find(m_members.begin(), m_members.end(), anObject);
    if (it == m_members.end() || isImmutable())
        return;
    haveUpdated();
    m_members.erase(it);
    anObject->release();
}

bool OSOrderedSet::containsObject(const OSMetaClassBase* anObject) const
{
    return anObject && std::find(m_members.begin(), m_members.end(), anObject) != m_members.end();
}

bool OSOrderedSet::member(const OSMetaClassBase* anObject) const
{
    return containsObject(anObject);
}

OSObject* OSOrderedSet::getObject(unsigned int index) const
{
    return index < m_members.size() ? const_cast<OSObject*>(static_cast<const OSObject*>(m_members[index])) : nullptr;
}

OSObject* OSOrderedSet::getFirstObject() const
{
    return getObject(0);
}

OSObject* OSOrderedSet::getLastObject() const
{
    return m_members.empty() ? nullptr : getObject(getCount() - 1);
}

bool OSOrderedSet::isEqualTo(const OSMetaClassBase* anObject) const
{
    return isEqualTo(OSDynamicCast(OSOrderedSet, anObject));
}

bool OSOrderedSet::isEqualTo(const OSOrderedSet* anOrderedSet) const
{
    if (!anOrderedSet)
        return false;
    if (anOrderedSet == this)
        return true;
    if (anOrderedSet->getCount() != getCount())
        return false;
    for (size_t i = 0; i < m_members.size(); ++i) {
        if (!m_members[i]->isEqualTo(anOrderedSet->m_members[i]))
            return false;
    }
    return true;
}

OSCollection* OSOrderedSet::copyMembers(OSDictionary* cycleDict)
{
    OSOrderedSet* copy = OSOrderedSet::withCapacity(getCount(), m_ordering, m_orderingContext);
    if (!copy)
        return nullptr;
    recordCopy(cycleDict, copy);
    for (const OSMetaClassBase* member : m_members) {
        OSObject* memberCopy = copyMember(member, cycleDict);
        if (!memberCopy) {
            copy->release();
            return nullptr;
        }
        copy->setLastObject(memberCopy); // keep the original's order as is
        memberCopy->release();
    }
    return copy;
}

unsigned int OSOrderedSet::iteratorSize() const
{
    return indexIteratorSize();
}

bool OSOrderedSet::initIterator(void* iterationContext) const
{
    return initIndexIterator(iterationContext);
}

bool OSOrderedSet::getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const
{
    return nextByIndex(iterationContext, nextObject, m_members.data(), m_members.size());
}

void OSOrderedSet::free()
{
    m_options &= ~kImmutable;
    flushCollection();
    OSCollection::free();
}
