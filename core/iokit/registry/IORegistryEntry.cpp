// SPDX-License-Identifier: GPL-2.0-or-later
// IORegistryEntry: properties, names, links and paths.
// Threads: any. Topology under the registry's lock (exclusive to change);
// properties and names under the entry's m_propertyLock. References dropped by
// a topology change are released after the registry lock is released, because
// a release may free an entry, and free() must be able to take the lock.
#include "RegistryInternals.h"

#include <IOKit/IORegistryEntry.h>
#include <iolab/Registry.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

OSDefineMetaClassAndStructors(IORegistryPlane, OSObject)
OSDefineMetaClassAndStructors(IORegistryEntry, OSObject)
OSDefineMetaClassAndStructors(IORegistryIterator, OSIterator)

void IORegistryPlane::free()
{
    for (const OSSymbol* key : {nameKey, pathNameKey, pathLocationKey}) {
        if (key)
            key->release();
    }
    OSObject::free();
}

namespace {

iolab::Registry* registry()
{
    return iolab::Registry::current();
}

const OSSymbol* commonNameKey()
{
    static const OSSymbol* key = OSSymbol::withCString(kIONameKey);
    return key;
}

const OSSymbol* commonLocationKey()
{
    static const OSSymbol* key = OSSymbol::withCString(kIOLocationKey);
    return key;
}

/// Releases every entry in `entries`; used after dropping the registry lock.
void releaseAll(const std::vector<IORegistryEntry*>& entries)
{
    for (IORegistryEntry* entry : entries)
        entry->release();
}

} // namespace

// --- the registry ------------------------------------------------------------

IORegistryEntry* IORegistryEntry::getRegistryRoot()
{
    iolab::Registry* current = registry();
    return current ? current->root() : nullptr;
}

SInt32 IORegistryEntry::getGenerationCount()
{
    iolab::Registry* current = registry();
    return current ? current->generation() : 0;
}

const IORegistryPlane* IORegistryEntry::makePlane(const char* name)
{
    iolab::Registry* current = registry();
    return current && name ? current->makePlane(name) : nullptr;
}

const IORegistryPlane* IORegistryEntry::getPlane(const char* name)
{
    iolab::Registry* current = registry();
    return current ? current->plane(name) : nullptr;
}

void IORegistryEntry::noteChange(unsigned kind, uint64_t otherID, unsigned planeIndex, uint32_t state) const
{
    iolab::Registry* current = registry();
    if (!current)
        return;
    iolab::RegistryEvent event;
    event.entryID = m_registryID;
    event.otherID = otherID;
    event.planeIndex = static_cast<uint8_t>(planeIndex);
    event.state = state;
    event.kind = static_cast<iolab::RegistryChange>(kind);
    current->publishChange(event); // stamps the generation
}

// --- life ----------------------------------------------------------------------

bool IORegistryEntry::init(OSDictionary* dictionary)
{
    if (!OSObject::init())
        return false;
    m_registryID = iolab::Registry::nextEntryID();
    if (dictionary) {
        dictionary->retain();
        m_properties = dictionary;
    } else {
        m_properties = OSDictionary::withCapacity(8);
    }
    m_names = OSDictionary::withCapacity(2);
    return m_properties && m_names;
}

void IORegistryEntry::free()
{
    if (m_registryID)
        noteChange(static_cast<unsigned>(iolab::RegistryChange::Freed));
    OSSafeReleaseNULL(m_properties);
    OSSafeReleaseNULL(m_names);
    OSObject::free();
}

// --- properties ------------------------------------------------------------------

void IORegistryEntry::setPropertyTable(OSDictionary* dict)
{
    if (!dict)
        return;
    dict->retain();
    OSDictionary* old;
    {
        std::lock_guard lock(m_propertyLock);
        old = m_properties;
        m_properties = dict;
    }
    if (old)
        old->release();
    noteChange(static_cast<unsigned>(iolab::RegistryChange::PropertiesChanged));
}

OSDictionary* IORegistryEntry::getPropertyTable() const
{
    std::lock_guard lock(m_propertyLock);
    return m_properties;
}

OSDictionary* IORegistryEntry::dictionaryWithProperties() const
{
    std::lock_guard lock(m_propertyLock);
    return OSDictionary::withDictionary(m_properties);
}

IOReturn IORegistryEntry::setProperties(OSObject*)
{
    return kIOReturnUnsupported;
}

bool IORegistryEntry::setProperty(const OSSymbol* aKey, OSObject* anObject)
{
    if (!aKey || !anObject)
        return false;
    bool stored;
    {
        std::lock_guard lock(m_propertyLock);
        stored = m_properties->setObject(aKey, anObject);
    }
    if (stored)
        noteChange(static_cast<unsigned>(iolab::RegistryChange::PropertiesChanged));
    return stored;
}

bool IORegistryEntry::setProperty(const OSString* aKey, OSObject* anObject)
{
    if (!aKey)
        return false;
    OSSharedPtr<const OSSymbol> key(OSSymbol::withString(aKey), OSNoRetain);
    return setProperty(key.get(), anObject);
}

bool IORegistryEntry::setProperty(const char* aKey, OSObject* anObject)
{
    if (!aKey)
        return false;
    OSSharedPtr<const OSSymbol> key(OSSymbol::withCString(aKey), OSNoRetain);
    return setProperty(key.get(), anObject);
}

bool IORegistryEntry::setProperty(const char* aKey, const char* aString)
{
    OSSharedPtr<OSString> value(aString ? OSString::withCString(aString) : nullptr, OSNoRetain);
    return value && setProperty(aKey, value.get());
}

bool IORegistryEntry::setProperty(const char* aKey, bool aBoolean)
{
    return setProperty(aKey, aBoolean ? kOSBooleanTrue : kOSBooleanFalse);
}

bool IORegistryEntry::setProperty(const char* aKey, unsigned long long aValue, unsigned int aNumberOfBits)
{
    OSSharedPtr<OSNumber> value(OSNumber::withNumber(aValue, aNumberOfBits), OSNoRetain);
    return value && setProperty(aKey, value.get());
}

bool IORegistryEntry::setProperty(const char* aKey, void* bytes, unsigned int length)
{
    OSSharedPtr<OSData> value(OSData::withBytes(bytes, length), OSNoRetain);
    return value && setProperty(aKey, value.get());
}

void IORegistryEntry::removeProperty(const OSSymbol* aKey)
{
    if (!aKey)
        return;
    bool removed = false;
    {
        std::lock_guard lock(m_propertyLock);
        if (m_properties->getObject(aKey)) {
            m_properties->removeObject(aKey);
            removed = true;
        }
    }
    if (removed)
        noteChange(static_cast<unsigned>(iolab::RegistryChange::PropertiesChanged));
}

void IORegistryEntry::removeProperty(const OSString* aKey)
{
    if (!aKey)
        return;
    OSSharedPtr<const OSSymbol> key(OSSymbol::withString(aKey), OSNoRetain);
    removeProperty(key.get());
}

void IORegistryEntry::removeProperty(const char* aKey)
{
    if (!aKey)
        return;
    OSSharedPtr<const OSSymbol> key(OSSymbol::existingSymbolForCString(aKey), OSNoRetain);
    if (key)
        removeProperty(key.get());
}

OSObject* IORegistryEntry::getProperty(const OSSymbol* aKey) const
{
    std::lock_guard lock(m_propertyLock);
    return m_properties->getObject(aKey);
}

OSObject* IORegistryEntry::getProperty(const OSString* aKey) const
{
    std::lock_guard lock(m_propertyLock);
    return m_properties->getObject(aKey);
}

OSObject* IORegistryEntry::getProperty(const char* aKey) const
{
    std::lock_guard lock(m_propertyLock);
    return m_properties->getObject(aKey);
}

OSObject* IORegistryEntry::getProperty(const char* aKey, const IORegistryPlane* plane, IOOptionBits options) const
{
    if (OSObject* found = getProperty(aKey))
        return found;
    if (!(options & kIORegistryIterateRecursively) || !plane)
        return nullptr;
    OSSharedPtr<OSArray> next(options & kIORegistryIterateParents ? copyParents(plane) : copyChildren(plane),
                              OSNoRetain);
    for (unsigned i = 0; next && i < next->getCount(); ++i) {
        auto* entry = static_cast<IORegistryEntry*>(next->getObject(i));
        if (OSObject* found = entry->getProperty(aKey, plane, options))
            return found;
    }
    return nullptr;
}

OSObject* IORegistryEntry::copyProperty(const OSSymbol* aKey) const
{
    std::lock_guard lock(m_propertyLock);
    OSObject* found = m_properties->getObject(aKey);
    if (found)
        found->retain();
    return found;
}

OSObject* IORegistryEntry::copyProperty(const OSString* aKey) const
{
    std::lock_guard lock(m_propertyLock);
    OSObject* found = m_properties->getObject(aKey);
    if (found)
        found->retain();
    return found;
}

OSObject* IORegistryEntry::copyProperty(const char* aKey) const
{
    std::lock_guard lock(m_propertyLock);
    OSObject* found = m_properties->getObject(aKey);
    if (found)
        found->retain();
    return found;
}

bool IORegistryEntry::serializeProperties(OSSerialize* serializer) const
{
    OSSharedPtr<OSDictionary> snapshot(dictionaryWithProperties(), OSNoRetain);
    return snapshot && serializer && serializer->serializeObject(snapshot.get());
}

// --- names and locations -------------------------------------------------------------

const OSSymbol* IORegistryEntry::nameSymbol(const IORegistryPlane* plane, bool location) const
{
    // Requires m_propertyLock.
    if (plane) {
        if (auto* symbol = OSDynamicCast(OSSymbol, m_names->getObject(location ? plane->pathLocationKey : plane->pathNameKey)))
            return symbol;
    }
    return OSDynamicCast(OSSymbol, m_names->getObject(location ? commonLocationKey() : commonNameKey()));
}

const char* IORegistryEntry::getName(const IORegistryPlane* plane) const
{
    std::lock_guard lock(m_propertyLock);
    const OSSymbol* symbol = nameSymbol(plane, false);
    return symbol ? symbol->getCStringNoCopy() : getMetaClass()->getClassName();
}

const OSSymbol* IORegistryEntry::copyName(const IORegistryPlane* plane) const
{
    {
        std::lock_guard lock(m_propertyLock);
        if (const OSSymbol* symbol = nameSymbol(plane, false)) {
            symbol->retain();
            return symbol;
        }
    }
    return OSSymbol::withCString(getMetaClass()->getClassName());
}

void IORegistryEntry::setName(const OSSymbol* name, const IORegistryPlane* plane)
{
    if (!name)
        return;
    {
        std::lock_guard lock(m_propertyLock);
        m_names->setObject(plane ? plane->pathNameKey : commonNameKey(), name);
    }
    noteChange(static_cast<unsigned>(iolab::RegistryChange::Renamed));
}

void IORegistryEntry::setName(const char* name, const IORegistryPlane* plane)
{
    if (!name)
        return;
    OSSharedPtr<const OSSymbol> symbol(OSSymbol::withCString(name), OSNoRetain);
    setName(symbol.get(), plane);
}

const char* IORegistryEntry::getLocation(const IORegistryPlane* plane) const
{
    std::lock_guard lock(m_propertyLock);
    const OSSymbol* symbol = nameSymbol(plane, true);
    return symbol ? symbol->getCStringNoCopy() : nullptr;
}

const OSSymbol* IORegistryEntry::copyLocation(const IORegistryPlane* plane) const
{
    std::lock_guard lock(m_propertyLock);
    const OSSymbol* symbol = nameSymbol(plane, true);
    if (symbol)
        symbol->retain();
    return symbol;
}

void IORegistryEntry::setLocation(const OSSymbol* location, const IORegistryPlane* plane)
{
    if (!location)
        return;
    {
        std::lock_guard lock(m_propertyLock);
        m_names->setObject(plane ? plane->pathLocationKey : commonLocationKey(), location);
    }
    noteChange(static_cast<unsigned>(iolab::RegistryChange::Renamed));
}

void IORegistryEntry::setLocation(const char* location, const IORegistryPlane* plane)
{
    if (!location)
        return;
    OSSharedPtr<const OSSymbol> symbol(OSSymbol::withCString(location), OSNoRetain);
    setLocation(symbol.get(), plane);
}

bool IORegistryEntry::compareName(OSString* name, OSString** matched) const
{
    if (!name)
        return false;
    bool found = name->isEqualTo(getName());
    if (!found) {
        // "compatible" holds NUL-separated names (as OSData) or a string.
        OSSharedPtr<OSObject> compatible(copyProperty("compatible"), OSNoRetain);
        if (auto* data = OSDynamicCast(OSData, compatible.get())) {
            std::string_view names(static_cast<const char*>(data->getBytesNoCopy()) ?: "", data->getLength());
            while (!names.empty() && !found) {
                size_t end = names.find('\0');
                std::string_view one = names.substr(0, end);
                found = !one.empty() && name->view() == one;
                names.remove_prefix(end == std::string_view::npos ? names.size() : end + 1);
            }
        } else if (auto* string = OSDynamicCast(OSString, compatible.get())) {
            found = string->isEqualTo(name);
        }
    }
    if (found && matched) {
        name->retain();
        *matched = name;
    }
    return found;
}

bool IORegistryEntry::compareNames(OSObject* name, OSString** matched) const
{
    if (auto* string = OSDynamicCast(OSString, name))
        return compareName(string, matched);
    if (auto* collection = OSDynamicCast(OSCollection, name)) {
        OSSharedPtr<OSCollectionIterator> iterator(OSCollectionIterator::withCollection(collection), OSNoRetain);
        while (OSObject* member = iterator ? iterator->getNextObject() : nullptr) {
            if (auto* string = OSDynamicCast(OSString, member); string && compareName(string, matched))
                return true;
        }
    }
    return false;
}

// --- topology ------------------------------------------------------------------------------

IORegistryEntry::PlaneLinks* IORegistryEntry::links(const IORegistryPlane* plane)
{
    for (PlaneLinks& entry : m_links) {
        if (entry.plane == plane)
            return &entry;
    }
    return nullptr;
}

const IORegistryEntry::PlaneLinks* IORegistryEntry::links(const IORegistryPlane* plane) const
{
    return const_cast<IORegistryEntry*>(this)->links(plane);
}

bool IORegistryEntry::makeLink(IORegistryEntry* parent, IORegistryEntry* child, const IORegistryPlane* plane)
{
    // Requires the registry lock, exclusive. Refuses cycles: `parent` must not
    // descend from `child` through any of its parents, not only the first.
    std::vector<const IORegistryEntry*> ancestors{parent};
    for (size_t i = 0; i < ancestors.size(); ++i) {
        if (ancestors[i] == child)
            return false;
        if (const PlaneLinks* upLinks = ancestors[i]->links(plane)) {
            for (const IORegistryEntry* up : upLinks->parents) {
                if (std::find(ancestors.begin(), ancestors.end(), up) == ancestors.end())
                    ancestors.push_back(up);
            }
        }
    }
    PlaneLinks* childLinks = child->links(plane);
    if (childLinks && std::find(childLinks->parents.begin(), childLinks->parents.end(), parent) != childLinks->parents.end())
        return true; // already linked
    if (!childLinks) {
        child->m_links.push_back({plane, {}, {}});
        childLinks = &child->m_links.back();
    }
    PlaneLinks* parentLinks = parent->links(plane);
    if (!parentLinks) {
        parent->m_links.push_back({plane, {}, {}});
        parentLinks = &parent->m_links.back();
    }
    parent->retain();
    child->retain();
    childLinks->parents.push_back(parent);
    parentLinks->children.push_back(child);
    return true;
}

void IORegistryEntry::breakLink(IORegistryEntry* parent, IORegistryEntry* child, const IORegistryPlane* plane)
{
    // Requires the registry lock, exclusive. The caller releases parent and child afterwards.
    PlaneLinks* childLinks = child->links(plane);
    PlaneLinks* parentLinks = parent->links(plane);
    if (childLinks)
        std::erase(childLinks->parents, parent);
    if (parentLinks)
        std::erase(parentLinks->children, child);
    auto dropEmpty = [plane](IORegistryEntry* entry) {
        std::erase_if(entry->m_links, [plane](const PlaneLinks& l) {
            return l.plane == plane && l.parents.empty() && l.children.empty();
        });
    };
    dropEmpty(child);
    dropEmpty(parent);
}

bool IORegistryEntry::attachToParent(IORegistryEntry* parent, const IORegistryPlane* plane)
{
    iolab::Registry* current = registry();
    if (!parent || !plane || parent == this || !current)
        return false;
    bool linked;
    {
        std::unique_lock lock(current->lock());
        linked = makeLink(parent, this, plane);
    }
    if (linked)
        noteChange(static_cast<unsigned>(iolab::RegistryChange::Attached), parent->m_registryID, plane->index);
    return linked;
}

bool IORegistryEntry::attachToChild(IORegistryEntry* child, const IORegistryPlane* plane)
{
    return child && child->attachToParent(this, plane);
}

void IORegistryEntry::detachFromParent(IORegistryEntry* parent, const IORegistryPlane* plane)
{
    iolab::Registry* current = registry();
    if (!parent || !plane || !current)
        return;
    bool wasLinked;
    {
        std::unique_lock lock(current->lock());
        const PlaneLinks* mine = links(plane);
        wasLinked = mine && std::find(mine->parents.begin(), mine->parents.end(), parent) != mine->parents.end();
        if (wasLinked)
            breakLink(parent, this, plane);
    }
    if (!wasLinked)
        return;
    noteChange(static_cast<unsigned>(iolab::RegistryChange::Detached), parent->m_registryID, plane->index);
    parent->release();
    release(); // may free this entry: nothing may follow
}

void IORegistryEntry::detachFromChild(IORegistryEntry* child, const IORegistryPlane* plane)
{
    if (child)
        child->detachFromParent(this, plane);
}

void IORegistryEntry::detachAbove(const IORegistryPlane* plane)
{
    OSSharedPtr<OSArray> parents(copyParents(plane), OSNoRetain);
    retain();
    for (unsigned i = 0; parents && i < parents->getCount(); ++i)
        detachFromParent(static_cast<IORegistryEntry*>(parents->getObject(i)), plane);
    release();
}

void IORegistryEntry::detachAll(const IORegistryPlane* plane)
{
    retain();
    detachAbove(plane);
    OSSharedPtr<OSArray> children(copyChildren(plane), OSNoRetain);
    for (unsigned i = 0; children && i < children->getCount(); ++i)
        static_cast<IORegistryEntry*>(children->getObject(i))->detachFromParent(this, plane);
    release();
}

IORegistryEntry* IORegistryEntry::getParentEntry(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return nullptr;
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    return mine && !mine->parents.empty() ? mine->parents.front() : nullptr;
}

IORegistryEntry* IORegistryEntry::copyParentEntry(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return nullptr;
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    IORegistryEntry* parent = mine && !mine->parents.empty() ? mine->parents.front() : nullptr;
    if (parent)
        parent->retain();
    return parent;
}

IORegistryEntry* IORegistryEntry::getChildEntry(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return nullptr;
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    return mine && !mine->children.empty() ? mine->children.front() : nullptr;
}

IORegistryEntry* IORegistryEntry::copyChildEntry(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return nullptr;
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    IORegistryEntry* child = mine && !mine->children.empty() ? mine->children.front() : nullptr;
    if (child)
        child->retain();
    return child;
}

namespace {
OSArray* snapshot(const std::vector<IORegistryEntry*>* entries)
{
    OSArray* array = OSArray::withCapacity(entries ? static_cast<unsigned>(entries->size()) : 0);
    if (array && entries) {
        for (IORegistryEntry* entry : *entries)
            array->setObject(entry);
    }
    return array;
}
} // namespace

OSArray* IORegistryEntry::copyParents(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return OSArray::withCapacity(0);
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    return snapshot(mine ? &mine->parents : nullptr);
}

OSArray* IORegistryEntry::copyChildren(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return OSArray::withCapacity(0);
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    return snapshot(mine ? &mine->children : nullptr);
}

OSIterator* IORegistryEntry::getParentIterator(const IORegistryPlane* plane) const
{
    OSSharedPtr<OSArray> parents(copyParents(plane), OSNoRetain);
    return parents ? OSCollectionIterator::withCollection(parents.get()) : nullptr;
}

OSIterator* IORegistryEntry::getChildIterator(const IORegistryPlane* plane) const
{
    OSSharedPtr<OSArray> children(copyChildren(plane), OSNoRetain);
    return children ? OSCollectionIterator::withCollection(children.get()) : nullptr;
}

bool IORegistryEntry::isParent(IORegistryEntry* parent, const IORegistryPlane* plane, bool onlyParent) const
{
    iolab::Registry* current = registry();
    if (!current || !parent)
        return false;
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    if (!mine || std::find(mine->parents.begin(), mine->parents.end(), parent) == mine->parents.end())
        return false;
    return !onlyParent || mine->parents.size() == 1;
}

bool IORegistryEntry::isChild(IORegistryEntry* child, const IORegistryPlane* plane, bool onlyChild) const
{
    iolab::Registry* current = registry();
    if (!current || !child)
        return false;
    std::shared_lock lock(current->lock());
    const PlaneLinks* mine = links(plane);
    if (!mine || std::find(mine->children.begin(), mine->children.end(), child) == mine->children.end())
        return false;
    return !onlyChild || mine->children.size() == 1;
}

bool IORegistryEntry::inPlane(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return false;
    if (this == current->root())
        return true;
    std::shared_lock lock(current->lock());
    if (!plane)
        return !m_links.empty();
    const PlaneLinks* mine = links(plane);
    return mine && !mine->parents.empty();
}

unsigned int IORegistryEntry::getDepth(const IORegistryPlane* plane) const
{
    iolab::Registry* current = registry();
    if (!current)
        return 0;
    std::shared_lock lock(current->lock());
    unsigned depth = 0;
    for (const IORegistryEntry* entry = this;;) {
        const PlaneLinks* entryLinks = entry->links(plane);
        if (!entryLinks || entryLinks->parents.empty())
            return depth;
        entry = entryLinks->parents.front();
        ++depth;
    }
}

void IORegistryEntry::applyToChildren(IORegistryEntryApplierFunction applier, void* context,
                                      const IORegistryPlane* plane) const
{
    OSSharedPtr<OSArray> children(copyChildren(plane), OSNoRetain);
    for (unsigned i = 0; children && i < children->getCount(); ++i)
        applier(static_cast<IORegistryEntry*>(children->getObject(i)), context);
}

void IORegistryEntry::applyToParents(IORegistryEntryApplierFunction applier, void* context,
                                     const IORegistryPlane* plane) const
{
    OSSharedPtr<OSArray> parents(copyParents(plane), OSNoRetain);
    for (unsigned i = 0; parents && i < parents->getCount(); ++i)
        applier(static_cast<IORegistryEntry*>(parents->getObject(i)), context);
}

void IORegistryInternals::detachEverything(IORegistryEntry* root)
{
    iolab::Registry* current = iolab::Registry::current();
    if (!current || !root)
        return;
    std::vector<IORegistryEntry*> toRelease;
    {
        std::unique_lock lock(current->lock());
        // Collect every entry reachable from the root in any plane, then cut every link.
        std::vector<IORegistryEntry*> pending{root};
        std::set<IORegistryEntry*> seen{root};
        for (size_t i = 0; i < pending.size(); ++i) {
            for (const auto& planeLinks : pending[i]->m_links) {
                for (IORegistryEntry* child : planeLinks.children) {
                    if (seen.insert(child).second)
                        pending.push_back(child);
                }
            }
        }
        for (IORegistryEntry* entry : pending) {
            for (auto& planeLinks : entry->m_links) {
                for (IORegistryEntry* child : planeLinks.children) {
                    toRelease.push_back(entry);
                    toRelease.push_back(child);
                }
                planeLinks.children.clear();
                planeLinks.parents.clear();
            }
            entry->m_links.clear();
        }
    }
    releaseAll(toRelease);
}

// --- paths ------------------------------------------------------------------------------------

std::string IORegistryEntry::path(const IORegistryPlane* plane) const
{
    if (!plane)
        return {};
    iolab::Registry* current = registry();
    if (!current)
        return {};
    std::vector<const IORegistryEntry*> chain;
    {
        std::shared_lock lock(current->lock());
        for (const IORegistryEntry* entry = this; entry && entry != current->root();) {
            chain.push_back(entry);
            const PlaneLinks* entryLinks = entry->links(plane);
            if (!entryLinks || entryLinks->parents.empty())
                return {}; // not attached to the root in this plane
            entry = entryLinks->parents.front();
        }
    }
    std::string text = std::string(plane->getName()) + ":";
    if (chain.empty())
        return text + "/";
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        text += '/';
        text += (*it)->getName(plane);
        if (const char* location = (*it)->getLocation(plane)) {
            text += '@';
            text += location;
        }
    }
    return text;
}

bool IORegistryEntry::getPath(char* pathBuffer, int* length, const IORegistryPlane* plane) const
{
    if (!pathBuffer || !length || *length <= 0)
        return false;
    std::string text = path(plane);
    if (text.empty() || text.size() + 1 > static_cast<size_t>(*length))
        return false;
    std::memcpy(pathBuffer, text.c_str(), text.size() + 1);
    *length = static_cast<int>(text.size());
    return true;
}

namespace {
/// Finds the child of `parent` named `component` ("name", "name@location" or "@location").
IORegistryEntry* findChild(IORegistryEntry* parent, std::string_view component, const IORegistryPlane* plane)
{
    std::string_view name = component, location;
    bool hasLocation = false;
    if (size_t at = component.find('@'); at != std::string_view::npos) {
        name = component.substr(0, at);
        location = component.substr(at + 1);
        hasLocation = true;
    }
    OSSharedPtr<OSArray> children(parent->copyChildren(plane), OSNoRetain);
    for (unsigned i = 0; children && i < children->getCount(); ++i) {
        auto* child = static_cast<IORegistryEntry*>(children->getObject(i));
        if (!name.empty() && name != child->getName(plane))
            continue;
        if (hasLocation) {
            const char* childLocation = child->getLocation(plane);
            if (!childLocation || location != childLocation)
                continue;
        }
        child->retain();
        return child;
    }
    return nullptr;
}
} // namespace

IORegistryEntry* IORegistryEntry::fromPath(const char* pathText, const IORegistryPlane* plane, char* residualPath,
                                           int* residualLength, IORegistryEntry* fromEntry)
{
    if (!pathText)
        return nullptr;
    std::string_view rest(pathText);
    IORegistryEntry* start = fromEntry;
    if (size_t colon = rest.find(':'); colon != std::string_view::npos && rest.find('/') > colon) {
        plane = getPlane(std::string(rest.substr(0, colon)).c_str());
        rest.remove_prefix(colon + 1);
        start = nullptr;
    }
    if (!plane)
        return nullptr;
    if (!start)
        start = getRegistryRoot();
    if (!start)
        return nullptr;
    start->retain();
    OSSharedPtr<IORegistryEntry> entry(start, OSNoRetain);
    while (!rest.empty()) {
        if (rest.front() == '/') {
            rest.remove_prefix(1);
            continue;
        }
        size_t slash = rest.find('/');
        std::string_view component = rest.substr(0, slash);
        IORegistryEntry* child = findChild(entry.get(), component, plane);
        if (!child) {
            if (residualPath && residualLength && *residualLength > static_cast<int>(rest.size())) {
                std::memcpy(residualPath, rest.data(), rest.size());
                residualPath[rest.size()] = '\0';
                *residualLength = static_cast<int>(rest.size());
                return entry.detach();
            }
            return nullptr;
        }
        entry.reset(child, OSNoRetain);
        rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash);
    }
    if (residualLength)
        *residualLength = 0;
    return entry.detach();
}

IORegistryEntry* IORegistryEntry::childFromPath(const char* pathText, const IORegistryPlane* plane, char* residualPath,
                                                int* residualLength)
{
    return fromPath(pathText, plane, residualPath, residualLength, this);
}

// --- IORegistryIterator ---------------------------------------------------------------------------

IORegistryIterator* IORegistryIterator::iterateOver(IORegistryEntry* start, const IORegistryPlane* plane,
                                                    IOOptionBits options)
{
    if (!start || !plane)
        return nullptr;
    auto* me = new IORegistryIterator;
    if (!me->init()) {
        me->release();
        return nullptr;
    }
    start->retain();
    me->m_root = start;
    me->m_plane = plane;
    me->m_options = options;
    me->reset();
    return me;
}

IORegistryIterator* IORegistryIterator::iterateOver(const IORegistryPlane* plane, IOOptionBits options)
{
    return iterateOver(IORegistryEntry::getRegistryRoot(), plane, options);
}

void IORegistryIterator::pushLevel(IORegistryEntry* entry)
{
    OSArray* next = (m_options & kIORegistryIterateParents) ? entry->copyParents(m_plane) : entry->copyChildren(m_plane);
    m_levels.push_back({next, 0, entry});
}

void IORegistryIterator::reset()
{
    while (!m_levels.empty()) {
        m_levels.back().entries->release();
        m_levels.pop_back();
    }
    m_current = nullptr;
    m_generation = IORegistryEntry::getGenerationCount();
    pushLevel(m_root);
}

bool IORegistryIterator::isValid()
{
    return m_generation == IORegistryEntry::getGenerationCount();
}

IORegistryEntry* IORegistryIterator::getNextObjectFlat()
{
    if (m_levels.empty())
        return nullptr;
    Level& level = m_levels.back();
    if (level.next >= level.entries->getCount())
        return m_current = nullptr;
    m_current = static_cast<IORegistryEntry*>(level.entries->getObject(level.next++));
    return m_current;
}

IORegistryEntry* IORegistryIterator::getNextObjectRecursive()
{
    // Depth first: descend into the entry returned last, then continue with its siblings.
    if (m_current)
        enterEntry();
    while (!m_levels.empty()) {
        if (IORegistryEntry* next = getNextObjectFlat())
            return next;
        if (!exitEntry())
            break;
    }
    return m_current = nullptr;
}

OSObject* IORegistryIterator::getNextObject()
{
    return (m_options & kIORegistryIterateRecursively) ? getNextObjectRecursive() : getNextObjectFlat();
}

IORegistryEntry* IORegistryIterator::getCurrentEntry()
{
    return m_current;
}

void IORegistryIterator::enterEntry()
{
    if (m_current)
        pushLevel(m_current);
    m_current = nullptr;
}

void IORegistryIterator::enterEntry(const IORegistryPlane* plane)
{
    if (plane)
        m_plane = plane;
    enterEntry();
}

bool IORegistryIterator::exitEntry()
{
    if (m_levels.size() <= 1)
        return false;
    m_levels.back().entries->release();
    m_current = m_levels.back().where;
    m_levels.pop_back();
    m_current = nullptr;
    return true;
}

OSOrderedSet* IORegistryIterator::iterateAll()
{
    OSOrderedSet* all = OSOrderedSet::withCapacity(64);
    while (OSObject* next = getNextObject())
        all->setLastObject(next);
    return all;
}

void IORegistryIterator::free()
{
    while (!m_levels.empty()) {
        m_levels.back().entries->release();
        m_levels.pop_back();
    }
    OSSafeReleaseNULL(m_root);
    OSIterator::free();
}
