// SPDX-License-Identifier: GPL-2.0-or-later
// OSNumber: an unsigned integer of 8 to 64 bits that remembers its width.
#pragma once

#include <libkern/c++/OSObject.h>

class OSNumber : public OSObject {
    OSDeclareDefaultStructors(OSNumber)

public:
    /// `numberOfBits` is 1…64; the value is truncated to it. NULL for other widths.
    static OSNumber* withNumber(unsigned long long value, unsigned int numberOfBits);
    /// Parses decimal, 0x-hex or 0-octal text.
    static OSNumber* withNumber(const char* value, unsigned int numberOfBits);

    virtual bool init(unsigned long long value, unsigned int numberOfBits);
    virtual bool init(const char* value, unsigned int numberOfBits);

    virtual unsigned int numberOfBits() const;
    virtual unsigned int numberOfBytes() const;
    virtual unsigned char unsigned8BitValue() const;
    virtual unsigned short unsigned16BitValue() const;
    virtual unsigned int unsigned32BitValue() const;
    virtual unsigned long long unsigned64BitValue() const;
    virtual void addValue(signed long long value);
    virtual void setValue(unsigned long long value);

    /// Equal values compare equal whatever their widths, as on I/O Kit.
    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    virtual bool isEqualTo(const OSNumber* aNumber) const;

private:
    using OSObject::init;
    unsigned long long m_value = 0;
    unsigned int m_size = 0;
};
