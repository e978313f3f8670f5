// SPDX-License-Identifier: GPL-2.0-or-later
// OSDictionary: symbol-keyed values, kept in insertion order. Keys are OSSymbols;
// string keys are turned into symbols. Large dictionaries keep a hash index.
#pragma once

#include <libkern/c++/OSCollection.h>

#include <memory>
#include <vector>

class OSArray;
class OSString;
class OSSymbol;

class OSDictionary : public OSCollection {
    OSDeclareDefaultStructors(OSDictionary)

public:
    static OSDictionary* withCapacity(unsigned int capacity);
    static OSDictionary* withObjects(const OSObject* objects[], const OSSymbol* keys[], unsigned int count,
                                     unsigned int capacity = 0);
    static OSDictionary* withObjects(const OSObject* objects[], const OSString* keys[], unsigned int count,
                                     unsigned int capacity = 0);
    static OSDictionary* withDictionary(const OSDictionary* dict, unsigned int capacity = 0);

    virtual bool initWithCapacity(unsigned int capacity);
    virtual bool initWithObjects(const OSObject* objects[], const OSSymbol* keys[], unsigned int count,
                                 unsigned int capacity = 0);
    virtual bool initWithObjects(const OSObject* objects[], const OSString* keys[], unsigned int count,
                                 unsigned int capacity = 0);
    virtual bool initWithDictionary(const OSDictionary* dict, unsigned int capacity = 0);

    unsigned int getCount() const override;
    unsigned int getCapacity() const override;
    unsigned int ensureCapacity(unsigned int newCapacity) override;
    void flushCollection() override;

    /// Stores (retaining key and value), replacing and releasing an old value.
    virtual bool setObject(const OSSymbol* aKey, const OSMetaClassBase* anObject);
    virtual bool setObject(const OSString* aKey, const OSMetaClassBase* anObject);
    virtual bool setObject(const char* aKey, const OSMetaClassBase* anObject);
    virtual void removeObject(const OSSymbol* aKey);
    virtual void removeObject(const OSString* aKey);
    virtual void removeObject(const char* aKey);
    /// Copies every entry of `otherDict` into this one.
    virtual bool merge(const OSDictionary* otherDict);
    /// NULL if absent. Not retained.
    virtual OSObject* getObject(const OSSymbol* aKey) const;
    virtual OSObject* getObject(const OSString* aKey) const;
    virtual OSObject* getObject(const char* aKey) const;
    /// IOLab: the key and value at insertion position `index` (not retained).
    const OSSymbol* keyAtIndex(unsigned int index) const;
    OSObject* objectAtIndex(unsigned int index) const;

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    virtual bool isEqualTo(const OSDictionary* aDictionary) const;
    /// Equal on the keys listed in `keys` (a collection of OSString/OSSymbol).
    virtual bool isEqualTo(const OSDictionary* aDictionary, const OSCollection* keys) const;

    unsigned int iteratorSize() const override;
    bool initIterator(void* iterationContext) const override;
    bool getNextObjectForIterator(void* iterationContext, OSObject** nextObject) const override;
    void free() override;

protected:
    OSCollection* copyMembers(OSDictionary* cycleDict) override;

private:
    struct Entry {
        const OSSymbol* key;
        const OSMetaClassBase* value;
    };
    struct Index;
    int find(const OSSymbol* key) const;
    void rebuildIndex();
    std::vector<Entry> m_entries;
    std::unique_ptr<Index> m_index;
};
