// SPDX-License-Identifier: GPL-2.0-or-later
// OSObject: intrusive reference counting, zero-filled allocation, free() once.
// Thread: any; the count is atomic. The tag table has its own lock.
#include <libkern/c++/OSObject.h>
#include <libkern/c++/OSSerialize.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

// OSObject is the root: its metaclass has no superclass and it cannot be allocated.
OSObject::MetaClass OSObject::gMetaClass;
const OSMetaClass* const OSObject::metaClass = &OSObject::gMetaClass;
const OSMetaClass* const OSObject::superClass = nullptr;
OSObject::MetaClass::MetaClass() : OSMetaClass("OSObject", nullptr, sizeof(OSObject)) {}
OSObject* OSObject::MetaClass::alloc() const
{
    return nullptr;
}
const OSMetaClass* OSObject::getMetaClass() const
{
    return &gMetaClass;
}

OSObject::OSObject(const OSMetaClass* meta) : m_retainCount(1)
{
    meta->instanceConstructed();
}

OSObject::~OSObject() = default;

void* OSObject::operator new(size_t size)
{
    void* memory = ::operator new(size);
    std::memset(memory, 0, size);
    return memory;
}

void OSObject::operator delete(void* memory, size_t size)
{
    ::operator delete(memory, size);
}

bool OSObject::init()
{
    return true;
}

void OSObject::free()
{
    getMetaClass()->instanceDestructed();
    delete this;
}

void OSObject::retain() const
{
    taggedRetain(nullptr);
}

void OSObject::release() const
{
    taggedRelease(nullptr, 1);
}

void OSObject::release(int freeWhen) const
{
    taggedRelease(nullptr, freeWhen);
}

int OSObject::getRetainCount() const
{
    return m_retainCount.load(std::memory_order_relaxed);
}

bool OSObject::serialize(OSSerialize* serializer) const
{
    return serializer && serializer->serializeObject(this);
}

namespace {
struct TagTable {
    std::mutex mutex;
    std::map<std::pair<const OSObject*, const void*>, int> balance;
};
std::atomic<bool> s_tagTracking{false};
TagTable& tagTable()
{
    static TagTable* table = new TagTable;
    return *table;
}
void recordTag(const OSObject* object, const void* tag, int delta)
{
    auto& table = tagTable();
    std::lock_guard lock(table.mutex);
    auto key = std::make_pair(object, tag);
    if ((table.balance[key] += delta) == 0)
        table.balance.erase(key);
}
} // namespace

void OSObject::setTaggedTracking(bool enabled)
{
    s_tagTracking.store(enabled);
    if (!enabled) {
        auto& table = tagTable();
        std::lock_guard lock(table.mutex);
        table.balance.clear();
    }
}

int OSObject::taggedRetainCount(const OSObject* object, const void* tag)
{
    auto& table = tagTable();
    std::lock_guard lock(table.mutex);
    auto it = table.balance.find({object, tag});
    return it == table.balance.end() ? 0 : it->second;
}

void OSObject::taggedRetain(const void* tag) const
{
    if (m_retainCount.fetch_add(1, std::memory_order_relaxed) <= 0) {
        std::fprintf(stderr, "iolab: retain of freed %s %p\n", getMetaClass()->getClassName(), (const void*)this);
        std::abort();
    }
    if (tag && s_tagTracking.load(std::memory_order_relaxed))
        recordTag(this, tag, +1);
}

void OSObject::taggedRelease(const void* tag) const
{
    taggedRelease(tag, 1);
}

void OSObject::taggedRelease(const void* tag, const int when) const
{
    if (tag && s_tagTracking.load(std::memory_order_relaxed))
        recordTag(this, tag, -1);
    const int before = m_retainCount.fetch_sub(1, std::memory_order_acq_rel);
    if (before <= 0) {
        std::fprintf(stderr, "iolab: over-release of %s %p\n", getMetaClass()->getClassName(), (const void*)this);
        std::abort();
    }
    if (before <= when) {
        if (when > 1)
            m_retainCount.store(0, std::memory_order_relaxed);
        const_cast<OSObject*>(this)->free();
    }
}
