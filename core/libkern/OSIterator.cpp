// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSCollection.h>
#include <libkern/c++/OSCollectionIterator.h>
#include <libkern/c++/OSIterator.h>

#include <cstdlib>

OSDefineMetaClassAndAbstractStructors(OSIterator, OSObject)
OSDefineMetaClassAndStructors(OSCollectionIterator, OSIterator)

OSCollectionIterator* OSCollectionIterator::withCollection(const OSCollection* collection)
{
    auto* me = new OSCollectionIterator;
    if (!me->initWithCollection(collection)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSCollectionIterator::initWithCollection(const OSCollection* collection)
{
    if (!OSIterator::init() || !collection)
        return false;
    collection->retain();
    m_collection = collection;
    m_context = std::calloc(1, collection->iteratorSize());
    if (!m_context)
        return false;
    reset();
    return true;
}

void OSCollectionIterator::reset()
{
    m_valid = m_collection->initIterator(m_context);
    m_stamp = m_collection->updateStamp();
}

bool OSCollectionIterator::isValid()
{
    return m_valid && m_stamp == m_collection->updateStamp();
}

OSObject* OSCollectionIterator::getNextObject()
{
    if (!isValid())
        return nullptr;
    OSObject* next = nullptr;
    if (!m_collection->getNextObjectForIterator(m_context, &next))
        return nullptr;
    return next;
}

void OSCollectionIterator::free()
{
    std::free(m_context);
    m_context = nullptr;
    if (m_collection)
        m_collection->release();
    m_collection = nullptr;
    OSIterator::free();
}
