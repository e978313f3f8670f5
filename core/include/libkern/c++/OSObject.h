// SPDX-License-Identifier: GPL-2.0-or-later
// OSObject: the reference-counted base class of every libkern and I/O Kit object.
#pragma once

#include <libkern/c++/OSMetaClass.h>

#include <atomic>
#include <cstddef>

/// A reference-counted object. A new object has a retain count of 1; the
/// release that takes the count to 0 calls free() exactly once. Instances are
/// allocated zero-filled and destroyed only through free(), never with delete.
class OSObject : public OSMetaClassBase {
    OSDeclareAbstractStructors(OSObject)

public:
    static void* operator new(size_t size);
    // Public because `new` needs it; the protected destructor is what stops `delete object`.
    static void operator delete(void* memory, size_t size);

    /// The second construction phase; returns false to abort creation
    /// (the caller then releases the object).
    virtual bool init();
    /// The destructor phase: releases what init() acquired, then calls
    /// super::free() last. Never call it directly; release() does.
    virtual void free();

    void retain() const override;
    void release() const override;
    /// Releases, freeing the object when the count falls to `freeWhen` or below.
    virtual void release(int freeWhen) const;
    int getRetainCount() const override;
    void taggedRetain(const void* tag = nullptr) const override;
    void taggedRelease(const void* tag = nullptr) const override;
    bool serialize(OSSerialize* serializer) const override;

    /// Leak tracing: while enabled, taggedRetain/taggedRelease with a non-NULL
    /// tag are recorded per (object, tag); taggedRetainCount reads the balance.
    static void setTaggedTracking(bool enabled);
    static int taggedRetainCount(const OSObject* object, const void* tag);

protected:
    /// For pools that must not resurrect an object whose count reached zero.
    bool retainCountCompareExchange(int& expected, int desired) const
    {
        return m_retainCount.compare_exchange_weak(expected, desired, std::memory_order_acq_rel);
    }
    void taggedRelease(const void* tag, const int when) const override;

private:
    mutable std::atomic<int> m_retainCount;
};
