// SPDX-License-Identifier: GPL-2.0-or-later
// OSOrderedSet: distinct objects kept in the order an ordering function gives
// (or in insertion order without one), addressed by index.
#pragma once

#include <libkern/c++/OSCollection.h>

#include <vector>

/// Returns > 0 if obj1 belongs before obj2, < 0 if after, 0 if either order will do.
typedef SInt32 (*OSOrderFunction)(const OSMetaClassBase* obj1, const OSMetaClassBase* obj2, void* context);

class OSOrderedSet : public OSCollection {
    OSDeclareDefaultStructors(OSOrderedSet)

public:
    static OSOrderedSet* withCapacity(unsigned int capacity, OSOrderFunction orderFunc = nullptr,
                                      void* orderingContext = nullptr);
    virtual bool initWithCapacity(unsigned int capacity, OSOrderFunction orderFunc = nullptr,
                                  void* orderingContext = nullptr);

    unsigned int getCount() const override;
    unsigned int getCapacity() const override;
    unsigned int ensureCapacity(unsigned int newCapacity) override;
    void flushCollection() override;

    /// Inserts in order, behind the members that sort before it or equal to it.
    virtual bool setObject(const OSMetaClassBase* anObject);
    virtual bool setFirstObject(const OSMetaClassBase* anObject);
    virtual bool setLastObject(const OSMetaClassBase* anObject);
    virtual bool setObject(unsigned int index, const OSMetaClassBase* anObject);
    virtual void removeObject(const OSMetaClassBase* anObject);
    virtual bool containsObject(const OSMetaClassBase* anObject) const;
    virtual bool member(const OSMetaClassBase* anObject) const;
    virtual OSObject* getFirstObject() const;
    virtual OSObject* getLastObject() const;
    virtual OSObject* getObject(unsigned int index) const;

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    virtual bool isEqualTo(const OSOrderedSet* anOrderedSet) const;

    unsigned int iteratorSize() const override;
    bool initIterator(void* iterationContext) const override;
    bool getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const override;
    void free() override;

protected:
    OSCollection* copyMembers(OSDictionary* cycleDict) override;

private:
    std::vector<const OSMetaClassBase*> m_members;
    OSOrderFunction m_ordering = nullptr;
    void* m_orderingContext = nullptr;
};
