// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSData.h>
#include <libkern/c++/OSString.h>

#include <cstring>

OSDefineMetaClassAndStructors(OSString, OSObject)

OSString* OSString::withCString(const char* cString)
{
    auto* me = new OSString;
    if (!me->initWithCString(cString)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSString* OSString::withCStringNoCopy(const char* cString)
{
    auto* me = new OSString;
    if (!me->initWithCStringNoCopy(cString)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSString* OSString::withString(const OSString* aString)
{
    auto* me = new OSString;
    if (!me->initWithString(aString)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSString* OSString::withStringView(std::string_view text)
{
    auto* me = new OSString;
    if (!me->initWithStringView(text)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSString::initWithCString(const char* cString)
{
    return cString && initWithStringView(cString);
}

bool OSString::initWithCStringNoCopy(const char* cString)
{
    // The copy is cheap in user space and keeps the storage owned; the string
    // is immutable as on I/O Kit.
    if (!initWithCString(cString))
        return false;
    m_immutable = true;
    return true;
}

bool OSString::initWithString(const OSString* aString)
{
    return aString && initWithStringView(aString->view());
}

bool OSString::initWithStringView(std::string_view text)
{
    if (!OSObject::init() || text.find('\0') != std::string_view::npos)
        return false;
    m_text.assign(text);
    return true;
}

unsigned int OSString::getLength() const
{
    return static_cast<unsigned>(m_text.size());
}

char OSString::getChar(unsigned int index) const
{
    return index < m_text.size() ? m_text[index] : '\0';
}

bool OSString::setChar(char aChar, unsigned int index)
{
    if (m_immutable || index >= m_text.size() || aChar == '\0')
        return false;
    m_text[index] = aChar;
    return true;
}

const char* OSString::getCStringNoCopy() const
{
    return m_text.c_str();
}

bool OSString::isEqualTo(const OSMetaClassBase* anObject) const
{
    if (this == anObject)
        return true;
    if (auto* string = OSDynamicCast(OSString, anObject))
        return isEqualTo(string);
    if (auto* data = OSDynamicCast(OSData, anObject))
        return isEqualTo(data);
    return false;
}

bool OSString::isEqualTo(const OSString* aString) const
{
    return aString && (aString == this || aString->m_text == m_text);
}

bool OSString::isEqualTo(const char* cString) const
{
    return cString && m_text == cString;
}

bool OSString::isEqualTo(const OSData* aDataObject) const
{
    if (!aDataObject)
        return false;
    // I/O Kit compares the string's bytes with the data, ignoring a trailing NUL in the data.
    auto bytes = aDataObject->bytes();
    size_t length = bytes.size();
    if (length == m_text.size() + 1 && bytes[length - 1] == 0)
        --length;
    return length == m_text.size() && (length == 0 || std::memcmp(bytes.data(), m_text.data(), length) == 0);
}
