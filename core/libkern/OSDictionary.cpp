// SPDX-License-Identifier: GPL-2.0-or-later
// Entries live in insertion order (what ioreg and plists show); dictionaries
// past kIndexThreshold entries also keep a pointer-keyed hash index.
#include <libkern/c++/OSArray.h>
#include <libkern/c++/OSDictionary.h>
#include <libkern/c++/OSSharedPtr.h>
#include <libkern/c++/OSSymbol.h>

#include <unordered_map>

OSDefineMetaClassAndStructors(OSDictionary, OSCollection)

namespace {
constexpr size_t kIndexThreshold = 12;

/// The symbol for a string key without creating one: NULL if no such symbol exists.
OSSharedPtr<const OSSymbol> lookupSymbol(const OSString* key)
{
    if (!key)
        return nullptr;
    if (auto* symbol = OSDynamicCast(OSSymbol, key))
        return OSSharedPtr<const OSSymbol>(symbol, OSRetain);
    return OSSharedPtr<const OSSymbol>(OSSymbol::existingSymbolForCString(key->getCStringNoCopy()), OSNoRetain);
}
} // namespace

struct OSDictionary::Index {
    std::unordered_map<const OSSymbol*, unsigned int> positions;
};

OSDictionary* OSDictionary::withCapacity(unsigned int capacity)
{
    auto* me = new OSDictionary;
    if (!me->initWithCapacity(capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSDictionary* OSDictionary::withObjects(const OSObject* objects[], const OSSymbol* keys[], unsigned int count,
                                        unsigned int capacity)
{
    auto* me = new OSDictionary;
    if (!me->initWithObjects(objects, keys, count, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSDictionary* OSDictionary::withObjects(const OSObject* objects[], const OSString* keys[], unsigned int count,
                                        unsigned int capacity)
{
    auto* me = new OSDictionary;
    if (!me->initWithObjects(objects, keys, count, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSDictionary* OSDictionary::withDictionary(const OSDictionary* dict, unsigned int capacity)
{
    auto* me = new OSDictionary;
    if (!me->initWithDictionary(dict, capacity)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSDictionary::initWithCapacity(unsigned int capacity)
{
    if (!OSCollection::init())
        return false;
    setCapacityIncrement(0);
    m_entries.reserve(capacity);
    return true;
}

bool OSDictionary::initWithObjects(const OSObject* objects[], const OSSymbol* keys[], unsigned int count,
                                   unsigned int capacity)
{
    if (!objects || !keys || (capacity && capacity < count) || !initWithCapacity(capacity ? capacity : count))
        return false;
    for (unsigned int i = 0; i < count; ++i) {
        if (!setObject(keys[i], objects[i]))
            return false;
    }
    return true;
}

bool OSDictionary::initWithObjects(const OSObject* objects[], const OSString* keys[], unsigned int count,
                                   unsigned int capacity)
{
    if (!objects || !keys || (capacity && capacity < count) || !initWithCapacity(capacity ? capacity : count))
        return false;
    for (unsigned int i = 0; i < count; ++i) {
        if (!setObject(keys[i], objects[i]))
            return false;
    }
    return true;
}

bool OSDictionary::initWithDictionary(const OSDictionary* dict, unsigned int capacity)
{
    if (!dict || (capacity && capacity < dict->getCount()) || !initWithCapacity(capacity ? capacity : dict->getCount()))
        return false;
    for (const Entry& entry : dict->m_entries) {
        entry.key->retain();
        entry.value->retain();
        m_entries.push_back(entry);
    }
    rebuildIndex();
    return true;
}

unsigned int OSDictionary::getCount() const
{
    return static_cast<unsigned>(m_entries.size());
}

unsigned int OSDictionary::getCapacity() const
{
    return static_cast<unsigned>(m_entries.capacity());
}

unsigned int OSDictionary::ensureCapacity(unsigned int newCapacity)
{
    if (newCapacity > m_entries.capacity())
        m_entries.reserve(newCapacity);
    return getCapacity();
}

void OSDictionary::flushCollection()
{
    haveUpdated();
    auto entries = std::move(m_entries);
    m_entries.clear();
    m_index.reset();
    for (const Entry& entry : entries) {
        entry.key->release();
        entry.value->release();
    }
}

int OSDictionary::find(const OSSymbol* key) const
{
    if (m_index) {
        auto it = m_index->positions.find(key);
        return it == m_index->positions.end() ? -1 : static_cast<int>(it->second);
    }
    for (size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].key == key)
            return static_cast<int>(i);
    }
    return -1;
}

void OSDictionary::rebuildIndex()
{
    if (m_entries.size() <= kIndexThreshold) {
        m_index.reset();
        return;
    }
    if (!m_index)
        m_index = std::make_unique<Index>();
    m_index->positions.clear();
    m_index->positions.reserve(m_entries.size());
    for (size_t i = 0; i < m_entries.size(); ++i)
        m_index->positions.emplace(m_entries[i].key, static_cast<unsigned>(i));
}

bool OSDictionary::setObject(const OSSymbol* aKey, const OSMetaClassBase* anObject)
{
    if (!aKey || !anObject || isImmutable())
        return false;
    haveUpdated();
    anObject->retain();
    int position = find(aKey);
    if (position >= 0) {
        const OSMetaClassBase* old = m_entries[position].value;
        m_entries[position].value = anObject;
        old->release();
        return true;
    }
    aKey->retain();
    m_entries.push_back({aKey, anObject});
    if (m_index)
        m_index->positions.emplace(aKey, static_cast<unsigned>(m_entries.size() - 1));
    else if (m_entries.size() > kIndexThreshold)
        rebuildIndex();
    return true;
}

bool OSDictionary::setObject(const OSString* aKey, const OSMetaClassBase* anObject)
{
    if (!aKey)
        return false;
    OSSharedPtr<const OSSymbol> symbol(OSSymbol::withString(aKey), OSNoRetain);
    return setObject(symbol.get(), anObject);
}

bool OSDictionary::setObject(const char* aKey, const OSMetaClassBase* anObject)
{
    if (!aKey)
        return false;
    OSSharedPtr<const OSSymbol> symbol(OSSymbol::withCString(aKey), OSNoRetain);
    return setObject(symbol.get(), anObject);
}

void OSDictionary::removeObject(const OSSymbol* aKey)
{
    if (!aKey || isImmutable())
        return;
    int position = find(aKey);
    if (position < 0)
        return;
    haveUpdated();
    Entry entry = m_entries[position];
    m_entries.erase(m_entries.begin() + position);
    if (m_index)
        rebuildIndex();
    entry.key->release();
    entry.value->release();
}

void OSDictionary::removeObject(const OSString* aKey)
{
    if (auto symbol = lookupSymbol(aKey))
        removeObject(symbol.get());
}

void OSDictionary::removeObject(const char* aKey)
{
    if (!aKey)
        return;
    OSSharedPtr<const OSSymbol> symbol(OSSymbol::existingSymbolForCString(aKey), OSNoRetain);
    if (symbol)
        removeObject(symbol.get());
}

bool OSDictionary::merge(const OSDictionary* otherDict)
{
    if (!otherDict || isImmutable())
        return false;
    if (otherDict == this)
        return true;
    for (const Entry& entry : otherDict->m_entries) {
        if (!setObject(entry.key, entry.value))
            return false;
    }
    return true;
}

OSObject* OSDictionary::getObject(const OSSymbol* aKey) const
{
    if (!aKey)
        return nullptr;
    int position = find(aKey);
    return position < 0 ? nullptr : objectAtIndex(static_cast<unsigned>(position));
}

OSObject* OSDictionary::getObject(const OSString* aKey) const
{
    auto symbol = lookupSymbol(aKey);
    return symbol ? getObject(symbol.get()) : nullptr;
}

OSObject* OSDictionary::getObject(const char* aKey) const
{
    if (!aKey)
        return nullptr;
    OSSharedPtr<const OSSymbol> symbol(OSSymbol::existingSymbolForCString(aKey), OSNoRetain);
    return symbol ? getObject(symbol.get()) : nullptr;
}

const OSSymbol* OSDictionary::keyAtIndex(unsigned int index) const
{
    return index < m_entries.size() ? m_entries[index].key : nullptr;
}

OSObject* OSDictionary::objectAtIndex(unsigned int index) const
{
    return index < m_entries.size() ? const_cast<OSObject*>(static_cast<const OSObject*>(m_entries[index].value))
                                    : nullptr;
}

bool OSDictionary::isEqualTo(const OSMetaClassBase* anObject) const
{
    return isEqualTo(OSDynamicCast(OSDictionary, anObject));
}

bool OSDictionary::isEqualTo(const OSDictionary* aDictionary) const
{
    if (!aDictionary)
        return false;
    if (aDictionary == this)
        return true;
    if (aDictionary->getCount() != getCount())
        return false;
    for (const Entry& entry : m_entries) {
        OSObject* other = aDictionary->getObject(entry.key);
        if (!other || !entry.value->isEqualTo(other))
            return false;
    }
    return true;
}

bool OSDictionary::isEqualTo(const OSDictionary* aDictionary, const OSCollection* keys) const
{
    if (!aDictionary || !keys)
        return false;
    std::vector<char> context(keys->iteratorSize());
    if (!keys->initIterator(context.data()))
        return false;
    OSObject* keyObject = nullptr;
    while (keys->getNextObjectForIterator(context.data(), &keyObject)) {
        auto* key = OSDynamicCast(OSString, keyObject);
        if (!key)
            return false;
        OSObject* mine = getObject(key);
        OSObject* theirs = aDictionary->getObject(key);
        if (!mine != !theirs || (mine && !mine->isEqualTo(theirs)))
            return false;
    }
    return true;
}

OSCollection* OSDictionary::copyMembers(OSDictionary* cycleDict)
{
    OSDictionary* copy = OSDictionary::withCapacity(getCount());
    if (!copy)
        return nullptr;
    recordCopy(cycleDict, copy);
    for (const Entry& entry : m_entries) {
        OSObject* value = copyMember(entry.value, cycleDict);
        if (!value) {
            copy->release();
            return nullptr;
        }
        copy->setObject(entry.key, value);
        value->release();
    }
    return copy;
}

unsigned int OSDictionary::iteratorSize() const
{
    return indexIteratorSize();
}

bool OSDictionary::initIterator(void* iterationContext) const
{
    return initIndexIterator(iterationContext);
}

bool OSDictionary::getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const
{
    // Iterating a dictionary yields its keys.
    unsigned int& index = *static_cast<unsigned int*>(iterationContext);
    *nextObject = index < m_entries.size() ? const_cast<OSSymbol*>(m_entries[index].key) : nullptr;
    if (!*nextObject)
        return false;
    ++index;
    return true;
}

void OSDictionary::free()
{
    m_options &= ~kImmutable;
    flushCollection();
    OSCollection::free();
}
