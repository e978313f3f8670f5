// SPDX-License-Identifier: GPL-2.0-or-later
// The symbol pool. Lookups take the shared lock and try-retain; the release
// that reaches zero takes the exclusive lock and removes the symbol only if the
// pool still points at it (a lookup may have replaced a dying symbol).
#include <libkern/c++/OSData.h>
#include <libkern/c++/OSSymbol.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>

OSDefineMetaClassAndAbstractStructors(OSSymbol, OSString)

struct OSSymbolPool {
    std::shared_mutex mutex;
    std::unordered_map<std::string_view, OSSymbol*> symbols; // keys view the symbol's own text

    static OSSymbolPool& instance()
    {
        static OSSymbolPool* pool = new OSSymbolPool; // outlives static destructors of loaded images
        return *pool;
    }

    /// Retains `symbol` unless its count already reached zero (it is dying).
    static bool tryRetain(OSSymbol* symbol)
    {
        int count = symbol->getRetainCount();
        while (count > 0) {
            if (symbol->retainCountCompareExchange(count, count + 1))
                return true;
        }
        return false;
    }
};

OSSymbol* OSSymbol::create(std::string_view text)
{
    auto* symbol = new OSSymbol(&gMetaClass);
    if (!symbol->initWithStringView(text)) {
        symbol->release();
        return nullptr;
    }
    symbol->m_immutable = true;
    return symbol;
}

const OSSymbol* OSSymbol::withStringView(std::string_view text)
{
    auto& pool = OSSymbolPool::instance();
    {
        std::shared_lock lock(pool.mutex);
        auto it = pool.symbols.find(text);
        if (it != pool.symbols.end() && OSSymbolPool::tryRetain(it->second))
            return it->second;
    }
    OSSymbol* created = create(text);
    if (!created)
        return nullptr;
    std::unique_lock lock(pool.mutex);
    auto [it, inserted] = pool.symbols.try_emplace(created->view(), created);
    if (!inserted) {
        if (OSSymbolPool::tryRetain(it->second)) {
            OSSymbol* existing = it->second;
            lock.unlock();
            created->m_pooled = false;
            created->release();
            return existing;
        }
        // The pooled one is dying: its free() will see it is no longer the entry.
        pool.symbols.erase(it);
        pool.symbols.emplace(created->view(), created);
    }
    created->m_pooled = true;
    return created;
}

const OSSymbol* OSSymbol::withCString(const char* cString)
{
    return cString ? withStringView(cString) : nullptr;
}

const OSSymbol* OSSymbol::withCStringNoCopy(const char* cString)
{
    return withCString(cString);
}

const OSSymbol* OSSymbol::withString(const OSString* aString)
{
    if (!aString)
        return nullptr;
    if (auto* symbol = OSDynamicCast(OSSymbol, aString)) {
        symbol->retain();
        return symbol;
    }
    return withStringView(aString->view());
}

const OSSymbol* OSSymbol::existingSymbolForCString(const char* cString)
{
    if (!cString)
        return nullptr;
    auto& pool = OSSymbolPool::instance();
    std::shared_lock lock(pool.mutex);
    auto it = pool.symbols.find(cString);
    if (it != pool.symbols.end() && OSSymbolPool::tryRetain(it->second))
        return it->second;
    return nullptr;
}

unsigned int OSSymbol::poolSize()
{
    auto& pool = OSSymbolPool::instance();
    std::shared_lock lock(pool.mutex);
    return static_cast<unsigned>(pool.symbols.size());
}

void OSSymbol::taggedRelease(const void* tag, const int when) const
{
    // Symbols are freed only when the count reaches zero, whatever `when` says.
    OSObject::taggedRelease(tag, 1);
}

void OSSymbol::free()
{
    if (m_pooled) {
        auto& pool = OSSymbolPool::instance();
        std::unique_lock lock(pool.mutex);
        auto it = pool.symbols.find(view());
        if (it != pool.symbols.end() && it->second == this)
            pool.symbols.erase(it);
    }
    OSString::free();
}

bool OSSymbol::isEqualTo(const OSMetaClassBase* anObject) const
{
    if (this == anObject)
        return true;
    if (OSDynamicCast(OSSymbol, anObject))
        return false;
    return OSString::isEqualTo(anObject);
}

bool OSSymbol::isEqualTo(const OSString* aString) const
{
    return OSString::isEqualTo(aString);
}

bool OSSymbol::isEqualTo(const char* cString) const
{
    return OSString::isEqualTo(cString);
}

bool OSSymbol::isEqualTo(const OSData* aDataObject) const
{
    return OSString::isEqualTo(aDataObject);
}
