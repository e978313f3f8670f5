// SPDX-License-Identifier: GPL-2.0-or-later
// The class registry: every OSMetaClass by name, with bundle-load staging.
// Thread: any. Lock: OSMetaClassRegistry::mutex guards the maps; instance
// counts are atomics read without it.
#include <libkern/c++/OSMetaClass.h>
#include <libkern/c++/OSObject.h>
#include <libkern/c++/OSString.h>
#include <libkern/c++/OSSymbol.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace {
constexpr const char* kKernelModuleName = "__kernel__";

/// Classes constructed while one bundle's image is being initialised.
struct LoadContext {
    std::string kextID;
    std::vector<OSMetaClass*> classes;
    bool failed = false;
};
thread_local LoadContext* t_loadContext = nullptr;
} // namespace

struct OSMetaClassRegistry {
    std::mutex mutex;
    std::unordered_map<std::string_view, OSMetaClass*> byName;
    std::vector<OSMetaClass*> ordered;

    static OSMetaClassRegistry& instance()
    {
        static OSMetaClassRegistry* registry = new OSMetaClassRegistry; // outlives every static destructor
        return *registry;
    }

    // Requires mutex.
    void insert(OSMetaClass* meta)
    {
        byName.emplace(meta->m_className, meta);
        ordered.push_back(meta);
        meta->m_registered = true;
    }
};

OSMetaClass::OSMetaClass(const char* className, const OSMetaClass* superClass, unsigned int classSize)
    : m_className(className), m_superClass(superClass), m_classSize(classSize)
{
    if (LoadContext* context = t_loadContext) {
        m_kmodName = context->kextID;
        context->classes.push_back(this);
        return;
    }
    m_kmodName = kKernelModuleName;
    auto& registry = OSMetaClassRegistry::instance();
    std::lock_guard lock(registry.mutex);
    if (registry.byName.count(className)) {
        std::fprintf(stderr, "iolab: class %s is defined twice; the second definition is ignored\n", className);
        return;
    }
    registry.insert(this);
}

OSMetaClass::~OSMetaClass()
{
    // The runtime's own metaclasses die only in the exit handlers, possibly
    // after OSSymbol's, so freeing a symbol then would use a destroyed
    // metaclass: their cached symbols are left to the end of the process.
    // A bundle's metaclasses die when it is unloaded and release theirs.
    if (m_kmodName != kKernelModuleName) {
        for (auto* slot : {&m_nameSymbol, &m_kmodSymbol}) {
            if (const OSSymbol* symbol = slot->exchange(nullptr))
                symbol->release();
        }
    }
    if (!m_registered)
        return;
    auto& registry = OSMetaClassRegistry::instance();
    std::lock_guard lock(registry.mutex);
    auto it = registry.byName.find(m_className);
    if (it != registry.byName.end() && it->second == this)
        registry.byName.erase(it);
    std::erase(registry.ordered, this);
}

namespace {
/// The symbol for `text`, made once and cached in `slot` for the metaclass's lifetime.
const OSSymbol* internOnce(std::atomic<const OSSymbol*>& slot, const char* text)
{
    if (const OSSymbol* symbol = slot.load(std::memory_order_acquire))
        return symbol;
    const OSSymbol* created = OSSymbol::withCString(text);
    const OSSymbol* expected = nullptr;
    if (!slot.compare_exchange_strong(expected, created)) {
        created->release();
        return expected;
    }
    return created;
}
} // namespace

const OSSymbol* OSMetaClass::getClassNameSymbol() const
{
    return internOnce(m_nameSymbol, m_className);
}

const OSSymbol* OSMetaClass::getKmodName() const
{
    return internOnce(m_kmodSymbol, m_kmodName.c_str());
}

unsigned int OSMetaClass::getInstanceCount() const
{
    return static_cast<unsigned>(m_instanceCount.load(std::memory_order_relaxed));
}

void OSMetaClass::instanceConstructed() const
{
    m_instanceCount.fetch_add(1, std::memory_order_relaxed);
}

void OSMetaClass::instanceDestructed() const
{
    if (m_instanceCount.fetch_sub(1, std::memory_order_relaxed) <= 0) {
        std::fprintf(stderr, "iolab: instance count of %s went below zero\n", m_className);
        std::abort();
    }
}

bool OSMetaClass::isSubclassOf(const OSMetaClass* other) const
{
    for (const OSMetaClass* meta = this; meta; meta = meta->m_superClass) {
        if (meta == other)
            return true;
    }
    return false;
}

const OSMetaClass* OSMetaClass::getMetaClassWithName(const char* name)
{
    if (!name)
        return nullptr;
    auto& registry = OSMetaClassRegistry::instance();
    std::lock_guard lock(registry.mutex);
    auto it = registry.byName.find(name);
    return it == registry.byName.end() ? nullptr : it->second;
}

const OSMetaClass* OSMetaClass::getMetaClassWithName(const OSSymbol* name)
{
    return name ? getMetaClassWithName(name->getCStringNoCopy()) : nullptr;
}

OSObject* OSMetaClass::allocClassWithName(const char* name)
{
    const OSMetaClass* meta = getMetaClassWithName(name);
    return meta ? meta->alloc() : nullptr;
}

OSObject* OSMetaClass::allocClassWithName(const OSString* name)
{
    return name ? allocClassWithName(name->getCStringNoCopy()) : nullptr;
}

OSObject* OSMetaClass::allocClassWithName(const OSSymbol* name)
{
    return name ? allocClassWithName(name->getCStringNoCopy()) : nullptr;
}

OSMetaClassBase* OSMetaClass::checkMetaCastWithName(const char* name, const OSMetaClassBase* in)
{
    const OSMetaClass* meta = getMetaClassWithName(name);
    return meta ? OSMetaClassBase::safeMetaCast(in, meta) : nullptr;
}

OSMetaClassBase* OSMetaClass::checkMetaCastWithName(const OSString* name, const OSMetaClassBase* in)
{
    return name ? checkMetaCastWithName(name->getCStringNoCopy(), in) : nullptr;
}

void* OSMetaClass::preModLoad(const char* kextID)
{
    auto* context = new LoadContext;
    context->kextID = kextID ? kextID : "";
    t_loadContext = context;
    return context;
}

bool OSMetaClass::checkModLoad(void* loadHandle)
{
    auto* context = static_cast<LoadContext*>(loadHandle);
    return context && context == t_loadContext && !context->failed;
}

OSReturn OSMetaClass::postModLoad(void* loadHandle, std::string* duplicateName)
{
    auto* context = static_cast<LoadContext*>(loadHandle);
    if (!context)
        return kOSMetaClassInternal;
    if (t_loadContext == context)
        t_loadContext = nullptr;
    OSReturn result = kOSReturnSuccess;
    {
        auto& registry = OSMetaClassRegistry::instance();
        std::lock_guard lock(registry.mutex);
        std::unordered_map<std::string_view, OSMetaClass*> incoming;
        for (OSMetaClass* meta : context->classes) {
            if (registry.byName.count(meta->m_className) || !incoming.emplace(meta->m_className, meta).second) {
                if (duplicateName)
                    *duplicateName = meta->m_className;
                result = kOSMetaClassDuplicateClass;
                break;
            }
        }
        if (result == kOSReturnSuccess) {
            for (OSMetaClass* meta : context->classes)
                registry.insert(meta);
        }
    }
    delete context;
    return result;
}

bool OSMetaClass::modHasInstance(const char* kextID)
{
    return !liveClassesOfModule(kextID).empty();
}

std::vector<std::pair<std::string, unsigned>> OSMetaClass::liveClassesOfModule(const char* kextID)
{
    std::vector<std::pair<std::string, unsigned>> live;
    auto& registry = OSMetaClassRegistry::instance();
    std::lock_guard lock(registry.mutex);
    for (OSMetaClass* meta : registry.ordered) {
        if (meta->m_kmodName == kextID && meta->getInstanceCount() > 0)
            live.emplace_back(meta->m_className, meta->getInstanceCount());
    }
    return live;
}

std::vector<const OSMetaClass*> OSMetaClass::allClasses()
{
    auto& registry = OSMetaClassRegistry::instance();
    std::lock_guard lock(registry.mutex);
    return {registry.ordered.begin(), registry.ordered.end()};
}

// --- OSMetaClassBase ---------------------------------------------------------

bool OSMetaClassBase::isEqualTo(const OSMetaClassBase* anObject) const
{
    return this == anObject;
}

OSMetaClassBase* OSMetaClassBase::metaCast(const OSMetaClass* toMeta) const
{
    if (!toMeta)
        return nullptr;
    for (const OSMetaClass* meta = getMetaClass(); meta; meta = meta->getSuperClass()) {
        if (meta == toMeta)
            return const_cast<OSMetaClassBase*>(this);
    }
    return nullptr;
}

OSMetaClassBase* OSMetaClassBase::metaCast(const char* toMeta) const
{
    return metaCast(OSMetaClass::getMetaClassWithName(toMeta));
}

OSMetaClassBase* OSMetaClassBase::metaCast(const OSSymbol* toMeta) const
{
    return toMeta ? metaCast(toMeta->getCStringNoCopy()) : nullptr;
}

OSMetaClassBase* OSMetaClassBase::metaCast(const OSString* toMeta) const
{
    return toMeta ? metaCast(toMeta->getCStringNoCopy()) : nullptr;
}

OSMetaClassBase* OSMetaClassBase::safeMetaCast(const OSMetaClassBase* anObject, const OSMetaClass* toType)
{
    return anObject ? anObject->metaCast(toType) : nullptr;
}

bool OSMetaClassBase::checkTypeInst(const OSMetaClassBase* inst, const OSMetaClassBase* typeinst)
{
    return inst && typeinst && inst->metaCast(typeinst->getMetaClass());
}
