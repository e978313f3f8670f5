// SPDX-License-Identifier: GPL-2.0-or-later
// OSSet: an unordered collection of distinct objects (by pointer).
#pragma once

#include <libkern/c++/OSCollection.h>

#include <vector>

class OSArray;

class OSSet : public OSCollection {
    OSDeclareDefaultStructors(OSSet)

public:
    static OSSet* withCapacity(unsigned int capacity);
    static OSSet* withObjects(const OSObject* objects[], unsigned int count, unsigned int capacity = 0);
    static OSSet* withArray(const OSArray* array, unsigned int capacity = 0);
    static OSSet* withSet(const OSSet* set, unsigned int capacity = 0);

    virtual bool initWithCapacity(unsigned int capacity);
    virtual bool initWithObjects(const OSObject* objects[], unsigned int count, unsigned int capacity = 0);
    virtual bool initWithArray(const OSArray* array, unsigned int capacity = 0);
    virtual bool initWithSet(const OSSet* set, unsigned int capacity = 0);

    unsigned int getCount() const override;
    unsigned int getCapacity() const override;
    unsigned int ensureCapacity(unsigned int newCapacity) override;
    void flushCollection() override;

    /// Adds (retains); false for NULL or an object already in the set.
    virtual bool setObject(const OSMetaClassBase* anObject);
    virtual bool merge(const OSArray* array);
    virtual bool merge(const OSSet* set);
    virtual void removeObject(const OSMetaClassBase* anObject);
    virtual bool containsObject(const OSMetaClassBase* anObject) const;
    virtual bool member(const OSMetaClassBase* anObject) const;
    /// Some member, or NULL if empty. Not retained.
    virtual OSObject* getAnyObject() const;

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    virtual bool isEqualTo(const OSSet* aSet) const;

    unsigned int iteratorSize() const override;
    bool initIterator(void* iterationContext) const override;
    bool getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const override;
    void free() override;

protected:
    OSCollection* copyMembers(OSDictionary* cycleDict) override;

private:
    std::vector<const OSMetaClassBase*> m_members;
};
