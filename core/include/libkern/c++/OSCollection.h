// SPDX-License-Identifier: GPL-2.0-or-later
// OSCollection: what arrays, dictionaries and sets share. Collections retain
// what they hold and release it on removal and when freed; getters do not
// retain. Collections have no locking of their own: callers serialise access.
#pragma once

#include <libkern/c++/OSObject.h>

class OSDictionary;

class OSCollection : public OSObject {
    friend class OSCollectionIterator;
    OSDeclareAbstractStructors(OSCollection)

public:
    enum { kImmutable = 0x00000001, kSort = 0x00000002, kMASK = (unsigned)-1 };

    virtual unsigned int getCount() const = 0;
    virtual unsigned int getCapacity() const = 0;
    virtual unsigned int getCapacityIncrement() const;
    virtual unsigned int setCapacityIncrement(unsigned increment);
    virtual unsigned int ensureCapacity(unsigned int newCapacity) = 0;
    /// Releases and removes every member.
    virtual void flushCollection() = 0;
    /// Sets the option bits selected by `mask` to `options`; returns the old bits.
    virtual unsigned setOptions(unsigned options, unsigned mask, void* context = nullptr);
    /// A deep copy: nested collections are copied, leaves shared. `cycleDict`
    /// maps already-copied collections to their copies (pass NULL).
    virtual OSCollection* copyCollection(OSDictionary* cycleDict = nullptr);

    /// The iteration protocol OSCollectionIterator drives.
    virtual unsigned int iteratorSize() const = 0;
    virtual bool initIterator(void* iterationContext) const = 0;
    virtual bool getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const = 0;

    unsigned int updateStamp() const { return m_updateStamp; }

protected:
    void haveUpdated() { ++m_updateStamp; }
    bool isImmutable() const { return m_options & kImmutable; }
    /// copyCollection's per-class part: make an empty copy, record it with
    /// recordCopy (before copying members, so cycles resolve), then add
    /// copyMember() of each member. NULL on failure.
    virtual OSCollection* copyMembers(OSDictionary* cycleDict) = 0;
    void recordCopy(OSDictionary* cycleDict, OSCollection* copy) const;
    /// The copy of `member`: a nested collection copied through `cycleDict`,
    /// anything else retained. The caller owns the result.
    static OSObject* copyMember(const OSMetaClassBase* member, OSDictionary* cycleDict);
    /// The iteration protocol for collections stored as a sequence: the context
    /// is an index into `items`.
    static unsigned int indexIteratorSize() { return sizeof(unsigned int); }
    static bool initIndexIterator(void* iterationContext);
    static bool nextByIndex(void* iterationContext, OSObject** nextObject, const OSMetaClassBase* const* items,
                            size_t count);

    unsigned int m_updateStamp = 0;
    unsigned int m_capacityIncrement = 0;
    unsigned int m_options = 0;
};
