// SPDX-License-Identifier: GPL-2.0-or-later
// OSData: a growable array of bytes.
#pragma once

#include <libkern/c++/OSObject.h>

#include <cstdint>
#include <span>

class OSString;

class OSData : public OSObject {
    OSDeclareDefaultStructors(OSData)

public:
    static OSData* withCapacity(unsigned int capacity);
    static OSData* withBytes(const void* bytes, unsigned int numBytes);
    /// Wraps memory the caller keeps alive; the first append copies it.
    static OSData* withBytesNoCopy(void* bytes, unsigned int numBytes);
    static OSData* withData(const OSData* other);
    static OSData* withData(const OSData* other, unsigned int start, unsigned int numBytes);

    virtual bool initWithCapacity(unsigned int capacity);
    virtual bool initWithBytes(const void* bytes, unsigned int numBytes);
    virtual bool initWithBytesNoCopy(void* bytes, unsigned int numBytes);

    virtual unsigned int getLength() const;
    virtual unsigned int getCapacity() const;
    virtual unsigned int ensureCapacity(unsigned int newCapacity);
    virtual bool appendBytes(const void* bytes, unsigned int numBytes);
    virtual bool appendBytes(const OSData* other);
    virtual bool appendByte(unsigned char byte, unsigned int count);
    /// NULL when empty.
    virtual const void* getBytesNoCopy() const;
    /// NULL when the range is not inside the data.
    virtual const void* getBytesNoCopy(unsigned int start, unsigned int numBytes) const;
    std::span<const uint8_t> bytes() const { return {m_bytes, m_length}; }

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    virtual bool isEqualTo(const OSData* aDataObj) const;
    virtual bool isEqualTo(const void* bytes, unsigned int numBytes) const;
    virtual bool isEqualTo(const OSString* aString) const;

    void free() override;

private:
    uint8_t* m_bytes = nullptr;
    unsigned int m_length = 0;
    unsigned int m_capacity = 0;
    bool m_owned = false;
};
