// SPDX-License-Identifier: GPL-2.0-or-later
// Run-time type information for libkern objects: one OSMetaClass per class,
// created by the OSDefineMetaClass… macros, which knows the class's name, its
// superclass, how to allocate an instance, how many instances are alive, and
// which bundle defined it.
#pragma once

#include <libkern/OSReturn.h>
#include <libkern/OSTypes.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

class OSMetaClass;
class OSObject;
class OSString;
class OSSymbol;
class OSSerialize;

/// The root of every libkern object: reference counting and type queries.
class OSMetaClassBase {
public:
    virtual const OSMetaClass* getMetaClass() const = 0;

    virtual void retain() const = 0;
    virtual void release() const = 0;
    virtual int getRetainCount() const = 0;
    virtual void taggedRetain(const void* tag = nullptr) const = 0;
    virtual void taggedRelease(const void* tag = nullptr) const = 0;
    virtual bool serialize(OSSerialize* serializer) const = 0;

    /// Pointer identity unless a class overrides it with value equality.
    virtual bool isEqualTo(const OSMetaClassBase* anObject) const;

    /// This object as `toMeta` if it is of that class or a subclass, else NULL.
    OSMetaClassBase* metaCast(const OSMetaClass* toMeta) const;
    OSMetaClassBase* metaCast(const OSSymbol* toMeta) const;
    OSMetaClassBase* metaCast(const OSString* toMeta) const;
    OSMetaClassBase* metaCast(const char* toMeta) const;

    /// NULL-safe metaCast, the engine behind OSDynamicCast.
    static OSMetaClassBase* safeMetaCast(const OSMetaClassBase* anObject, const OSMetaClass* toType);
    /// True when `inst` is of the class of `typeinst` or a subclass of it.
    static bool checkTypeInst(const OSMetaClassBase* inst, const OSMetaClassBase* typeinst);

protected:
    OSMetaClassBase() = default;
    virtual ~OSMetaClassBase() = default;
    virtual void taggedRelease(const void* tag, const int when) const = 0;

private:
    OSMetaClassBase(const OSMetaClassBase&) = delete;
    OSMetaClassBase& operator=(const OSMetaClassBase&) = delete;
};

/// The class of a class. Instances are static objects made by
/// OSDefineMetaClassAndStructors; they register themselves by name when their
/// image is initialised and unregister when it is unloaded.
class OSMetaClass {
public:
    OSMetaClass(const char* className, const OSMetaClass* superClass, unsigned int classSize);
    virtual ~OSMetaClass();

    /// A new instance (retain count 1, not yet init()ed), or NULL for abstract classes.
    virtual OSObject* alloc() const = 0;

    const char* getClassName() const { return m_className; }
    /// The class name as a uniqued symbol (made on first use; not retained for the caller).
    const OSSymbol* getClassNameSymbol() const;
    const OSMetaClass* getSuperClass() const { return m_superClass; }
    unsigned int getClassSize() const { return m_classSize; }
    /// Live instances of exactly this class (what `ioclasscount` prints).
    unsigned int getInstanceCount() const;
    void instanceConstructed() const;
    void instanceDestructed() const;
    /// Bundle identifier of the kext whose image defined this class; "__kernel__" for the runtime's own.
    const char* getKmodNameCString() const { return m_kmodName.c_str(); }
    const OSSymbol* getKmodName() const;
    /// True if this class is `other` or derives from it.
    bool isSubclassOf(const OSMetaClass* other) const;

    static const OSMetaClass* getMetaClassWithName(const char* name);
    static const OSMetaClass* getMetaClassWithName(const OSSymbol* name);
    /// A new instance of the class called `name`, or NULL if there is none or it is abstract.
    static OSObject* allocClassWithName(const char* name);
    static OSObject* allocClassWithName(const OSString* name);
    static OSObject* allocClassWithName(const OSSymbol* name);
    static OSMetaClassBase* checkMetaCastWithName(const OSString* name, const OSMetaClassBase* in);
    static OSMetaClassBase* checkMetaCastWithName(const char* name, const OSMetaClassBase* in);

    /// Bundle loading protocol: classes constructed on this thread between
    /// preModLoad and postModLoad belong to `kextID`. postModLoad commits them,
    /// or fails with kOSMetaClassDuplicateClass (naming the class in
    /// `duplicateName`) if one of them is already registered.
    static void* preModLoad(const char* kextID);
    static bool checkModLoad(void* loadHandle);
    static OSReturn postModLoad(void* loadHandle, std::string* duplicateName = nullptr);
    /// True if any class defined by `kextID` has live instances.
    static bool modHasInstance(const char* kextID);
    /// Classes (name, live count) defined by `kextID` that still have instances.
    static std::vector<std::pair<std::string, unsigned>> liveClassesOfModule(const char* kextID);

    /// A snapshot of every registered class, in registration order.
    static std::vector<const OSMetaClass*> allClasses();

private:
    friend struct OSMetaClassRegistry;
    OSMetaClass(const OSMetaClass&) = delete;
    OSMetaClass& operator=(const OSMetaClass&) = delete;

    const char* m_className;
    const OSMetaClass* m_superClass;
    unsigned int m_classSize;
    mutable std::atomic<int> m_instanceCount{0};
    std::string m_kmodName;
    mutable std::atomic<const OSSymbol*> m_nameSymbol{nullptr};
    mutable std::atomic<const OSSymbol*> m_kmodSymbol{nullptr};
    bool m_registered = false;
};

namespace iolab::detail {
template <class T>
inline T* dynamicCast(const OSMetaClassBase* object)
{
    return object && object->metaCast(T::metaClass) ? static_cast<T*>(const_cast<OSMetaClassBase*>(object)) : nullptr;
}
} // namespace iolab::detail

#define OSTypeID(type) (type::metaClass)
#define OSTypeIDInst(typeinst) ((typeinst)->getMetaClass())
#define OSDynamicCast(type, inst) (::iolab::detail::dynamicCast<type>(inst))
#define OSCheckTypeInst(typeinst, inst) OSMetaClassBase::checkTypeInst(inst, typeinst)
#define OSSafeReleaseNULL(inst) \
    do {                        \
        if (inst)               \
            (inst)->release();  \
        (inst) = nullptr;       \
    } while (0)
#define OSSafeRelease(inst)    \
    do {                       \
        if (inst)              \
            (inst)->release(); \
    } while (0)

#define OSDeclareCommonStructors(className)                  \
private:                                                     \
    static const OSMetaClass* const superClass;              \
                                                             \
public:                                                      \
    static const OSMetaClass* const metaClass;               \
    static class MetaClass : public OSMetaClass {            \
    public:                                                  \
        MetaClass();                                         \
        virtual OSObject* alloc() const;                     \
    } gMetaClass;                                            \
    friend class className::MetaClass;                       \
    virtual const OSMetaClass* getMetaClass() const;         \
                                                             \
protected:                                                   \
    className(const OSMetaClass*);                           \
    virtual ~className()

#define OSDeclareDefaultStructors(className) \
    OSDeclareCommonStructors(className);     \
                                             \
public:                                      \
    className();                             \
                                             \
protected:

#define OSDeclareAbstractStructors(className) \
    OSDeclareCommonStructors(className);      \
                                              \
private:                                      \
    className();                              \
                                              \
protected:

#define OSDeclareFinalStructors(className) OSDeclareDefaultStructors(className)

#define OSDefineMetaClassWithInit(className, superclassName, init)                                          \
    className::MetaClass className::gMetaClass;                                                             \
    const OSMetaClass* const className::metaClass = &className::gMetaClass;                                 \
    const OSMetaClass* const className::superClass = &superclassName::gMetaClass;                           \
    className::MetaClass::MetaClass() : OSMetaClass(#className, className::superClass, sizeof(className)) \
    {                                                                                                       \
        init;                                                                                               \
    }                                                                                                       \
    const OSMetaClass* className::getMetaClass() const { return &className::gMetaClass; }

#define OSDefineAbstractStructors(className, superclassName)             \
    OSObject* className::MetaClass::alloc() const { return nullptr; }    \
    className::className(const OSMetaClass* meta) : superclassName(meta) \
    {                                                                    \
    }                                                                    \
    className::~className() {}

#define OSDefineDefaultStructors(className, superclassName)                  \
    OSObject* className::MetaClass::alloc() const { return new className; } \
    className::className() : superclassName(&className::gMetaClass) {}      \
    className::className(const OSMetaClass* meta) : superclassName(meta) {} \
    className::~className() {}

#define OSDefineMetaClass(className, superclassName) OSDefineMetaClassWithInit(className, superclassName, )
#define OSDefineMetaClassAndStructors(className, superclassName) \
    OSDefineMetaClass(className, superclassName)                 \
    OSDefineDefaultStructors(className, superclassName)
#define OSDefineMetaClassAndStructorsWithInit(className, superclassName, init) \
    OSDefineMetaClassWithInit(className, superclassName, init)                 \
    OSDefineDefaultStructors(className, superclassName)
#define OSDefineMetaClassAndAbstractStructors(className, superclassName) \
    OSDefineMetaClass(className, superclassName)                         \
    OSDefineAbstractStructors(className, superclassName)
#define OSDefineMetaClassAndAbstractStructorsWithInit(className, superclassName, init) \
    OSDefineMetaClassWithInit(className, superclassName, init)                         \
    OSDefineAbstractStructors(className, superclassName)
#define OSDefineMetaClassAndFinalStructors(className, superclassName) \
    OSDefineMetaClassAndStructors(className, superclassName)

// Padding slots that binary-compatible families reserve; nothing to reserve here.
#define OSMetaClassDeclareReservedUnused(className, index)
#define OSMetaClassDeclareReservedUsed(className, index)
#define OSMetaClassDefineReservedUnused(className, index)
#define OSMetaClassDefineReservedUsed(className, index)
