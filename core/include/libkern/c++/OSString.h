// SPDX-License-Identifier: GPL-2.0-or-later
// OSString: a mutable C string held by an object.
#pragma once

#include <libkern/c++/OSObject.h>

#include <string>
#include <string_view>

class OSData;

class OSString : public OSObject {
    OSDeclareDefaultStructors(OSString)

public:
    static OSString* withCString(const char* cString);
    static OSString* withCStringNoCopy(const char* cString);
    static OSString* withString(const OSString* aString);
    /// IOLab: a string from bytes that need not be NUL-terminated.
    static OSString* withStringView(std::string_view text);

    virtual bool initWithCString(const char* cString);
    virtual bool initWithCStringNoCopy(const char* cString);
    virtual bool initWithString(const OSString* aString);
    bool initWithStringView(std::string_view text);

    virtual unsigned int getLength() const;
    virtual char getChar(unsigned int index) const;
    /// Replaces one character; fails (false) on symbols and out-of-range indices.
    virtual bool setChar(char aChar, unsigned int index);
    virtual const char* getCStringNoCopy() const;
    std::string_view view() const { return m_text; }

    bool isEqualTo(const OSMetaClassBase* anObject) const override;
    virtual bool isEqualTo(const OSString* aString) const;
    virtual bool isEqualTo(const char* cString) const;
    virtual bool isEqualTo(const OSData* aDataObject) const;

protected:
    std::string m_text;
    bool m_immutable = false;
};
