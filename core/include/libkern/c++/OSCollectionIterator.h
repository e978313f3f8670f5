// SPDX-License-Identifier: GPL-2.0-or-later
// OSCollectionIterator: walks any OSCollection; on a dictionary it yields keys.
#pragma once

#include <libkern/c++/OSIterator.h>

class OSCollection;

class OSCollectionIterator : public OSIterator {
    OSDeclareDefaultStructors(OSCollectionIterator)

public:
    /// Retains `collection` for the iterator's lifetime.
    static OSCollectionIterator* withCollection(const OSCollection* collection);
    virtual bool initWithCollection(const OSCollection* collection);

    void reset() override;
    bool isValid() override;
    OSObject* getNextObject() override;
    void free() override;

private:
    const OSCollection* m_collection = nullptr;
    void* m_context = nullptr;
    unsigned int m_stamp = 0;
    bool m_valid = false;
};
