// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSArray.h>
#include <libkern/c++/OSDictionary.h>
#include <libkern/c++/OSSymbol.h>

OSDefineMetaClassAndStructors(OSArray, OSCollection)

OSArray* OSArray::withCapacity(unsigned int capacity)
{
    auto* me = new OSArray;
    if (!me->initWithCapacity(capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSArray* OSArray::withObjects(const OSObject* objects[], unsigned int count, unsigned int capacity)
{
    auto* me = new OSArray;
    if (!me->initWithObjects(objects, count, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSArray* OSArray::withArray(const OSArray* array, unsigned int capacity)
{
    auto* me = new OSArray;
    if (!me->initWithArray(array, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSArray::initWithCapacity(unsigned int capacity)
{
    if (!OSCollection::init())
        return false;
    setCapacityIncrement(0);
    m_objects.reserve(capacity);
    return true;
}

bool OSArray::initWithObjects(const OSObject* objects[], unsigned int count, unsigned int capacity)
{
    if (!objects || (capacity && capacity < count) || !initWithCapacity(capacity ? capacity : count))
        return false;
    for (unsigned int i = 0; i < count; ++i) {
        if (!objects[i])
            return false;
        objects[i]->retain();
        m_objects.push_back(objects[i]);
    }
    return true;
}

bool OSArray::initWithArray(const OSArray* array, unsigned int capacity)
{
    if (!array)
        return false;
    return initWithObjects(reinterpret_cast<const OSObject**>(const_cast<const OSMetaClassBase**>(array->m_objects.data())),
                           array->getCount(), capacity);
}

unsigned int OSArray::getCount() const
{
    return static_cast<unsigned>(m_objects.size());
}

unsigned int OSArray::getCapacity() const
{
    return static_cast<unsigned>(m_objects.capacity());
}

unsigned int OSArray::ensureCapacity(unsigned int newCapacity)
{
    if (newCapacity > m_objects.capacity())
        m_objects.reserve(newCapacity);
    return getCapacity();
}

void OSArray::flushCollection()
{
    haveUpdated();
    auto objects = std::move(m_objects);
    m_objects.clear();
    for (const OSMetaClassBase* object : objects)
        object->release();
}

bool OSArray::setObject(const OSMetaClassBase* anObject)
{
    return setObject(getCount(), anObject);
}

bool OSArray::setObject(unsigned int index, const OSMetaClassBase* anObject)
{
    if (!anObject || index > m_objects.size() || isImmutable())
        return false;
    haveUpdated();
    anObject->retain();
    m_objects.insert(m_objects.begin() + index, anObject);
    return true;
}

bool OSArray::merge(const OSArray* otherArray)
{
    if (!otherArray || isImmutable())
        return false;
    if (otherArray == this) {
        auto copy = m_objects;
        for (const OSMetaClassBase* object : copy)
            setObject(object);
        return true;
    }
    m_objects.reserve(m_objects.size() + otherArray->m_objects.size());
    for (const OSMetaClassBase* object : otherArray->m_objects)
        setObject(object);
    return true;
}

void OSArray::replaceObject(unsigned int index, const OSMetaClassBase* anObject)
{
    if (!anObject || index >= m_objects.size() || isImmutable())
        return;
    haveUpdated();
    anObject->retain();
    const OSMetaClassBase* old = m_objects[index];
    m_objects[index] = anObject;
    old->release();
}

void OSArray::removeObject(unsigned int index)
{
    if (index >= m_objects.size() || isImmutable())
        return;
    haveUpdated();
    const OSMetaClassBase* old = m_objects[index];
    m_objects.erase(m_objects.begin() + index);
    old->release();
}

OSObject* OSArray::getObject(unsigned int index) const
{
    return index < m_objects.size() ? const_cast<OSObject*>(static_cast<const OSObject*>(m_objects[index])) : nullptr;
}

OSObject* OSArray::getLastObject() const
{
    return m_objects.empty() ? nullptr : getObject(getCount() - 1);
}

unsigned int OSArray::getNextIndexOfObject(const OSMetaClassBase* anObject, unsigned int index) const
{
    for (unsigned int i = index; i < m_objects.size(); ++i) {
        if (m_objects[i] == anObject)
            return i;
    }
    return static_cast<unsigned>(-1);
}

bool OSArray::isEqualTo(const OSMetaClassBase* anObject) const
{
    return isEqualTo(OSDynamicCast(OSArray, anObject));
}

bool OSArray::isEqualTo(const OSArray* anArray) const
{
    if (!anArray)
        return false;
    if (anArray == this)
        return true;
    if (anArray->m_objects.size() != m_objects.size())
        return false;
    for (size_t i = 0; i < m_objects.size(); ++i) {
        if (!m_objects[i]->isEqualTo(anArray->m_objects[i]))
            return false;
    }
    return true;
}

OSCollection* OSArray::copyMembers(OSDictionary* cycleDict)
{
    OSArray* copy = OSArray::withCapacity(getCount());
    if (!copy)
        return nullptr;
    recordCopy(cycleDict, copy);
    for (const OSMetaClassBase* member : m_objects) {
        OSObject* memberCopy = copyMember(member, cycleDict);
        if (!memberCopy) {
            copy->release();
            return nullptr;
        }
        copy->m_objects.push_back(memberCopy);
    }
    return copy;
}

unsigned int OSArray::iteratorSize() const
{
    return indexIteratorSize();
}

bool OSArray::initIterator(void* iterationContext) const
{
    return initIndexIterator(iterationContext);
}

bool OSArray::getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const
{
    return nextByIndex(iterationContext, nextObject, m_objects.data(), m_objects.size());
}

void OSArray::free()
{
    // Immutable arrays are still emptied on free.
    m_options &= ~kImmutable;
    flushCollection();
    OSCollection::free();
}
