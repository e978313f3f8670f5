// SPDX-License-Identifier: GPL-2.0-or-later
// OSArray: an ordered, index-addressed collection.
#pragma once

#include <libkern/c++/OSCollection.h>

#include <vector>

class OSArray : public OSCollection {
    OSDeclareDefaultStructors(OSArray)

public:
    static OSArray* withCapacity(unsigned int capacity);
    static OSArray* withObjects(const OSObject* objects[], unsigned int count, unsigned int capacity = 0);
    static OSArray* withArray(const OSArray* array, unsigned int capacity = 0);

    virtual bool initWithCapacity(unsigned int capacity);
    virtual bool initWithObjects(const OSObject* objects[], unsigned int count, unsigned int capacity = 0);
    virtual bool initWithArray(const OSArray* array, unsigned int capacity = 0);

    unsigned int getCount() const override;
    unsigned int getCapacity() const override;
    unsigned int ensureCapacity(unsigned int newCapacity) override;
    void flushCollection() override;

    /// Appends (retains). False for NULL or an immutable array.
    virtual bool setObject(const OSMetaClassBase* anObject);
    /// Inserts before `index` (index == count appends).
    virtual bool setObject(unsigned int index, const OSMetaClassBase* anObject);
    virtual bool merge(const OSArray* otherArray);
    virtual void replaceObject(unsigned int index, const OSMetaClassBase* anObject);
    virtual void removeObject(unsigned int index);
    /// NULL past the end. Not retained.
    virtual OSObject* getObject(unsigned int index) const;
    virtual OSObject* getLastObject() const;
    /// Index of `anObject` (by pointer) at or after `index`, or (unsigned)-1.
    virtual unsigned int getNextIndexOfObject(const OSMetaClassBase* anObject, unsigned int index) const;

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    virtual bool isEqualTo(const OSArray* anArray) const;

    unsigned int iteratorSize() const override;
    bool initIterator(void* iterationContext) const override;
    bool getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const override;
    void free() override;

protected:
    OSCollection* copyMembers(OSDictionary* cycleDict) override;

private:
    std::vector<const OSMetaClassBase*> m_objects;
};
