// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSNumber.h>

#include <cerrno>
#include <cstdlib>

OSDefineMetaClassAndStructors(OSNumber, OSObject)

namespace {
unsigned long long maskFor(unsigned int bits)
{
    return bits >= 64 ? ~0ULL : ((1ULL << bits) - 1);
}
} // namespace

OSNumber* OSNumber::withNumber(unsigned long long value, unsigned int numberOfBits)
{
    auto* me = new OSNumber;
    if (!me->init(value, numberOfBits)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSNumber* OSNumber::withNumber(const char* value, unsigned int numberOfBits)
{
    auto* me = new OSNumber;
    if (!me->init(value, numberOfBits)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSNumber::init(unsigned long long value, unsigned int numberOfBits)
{
    if (!OSObject::init() || numberOfBits < 1 || numberOfBits > 64)
        return false;
    m_size = numberOfBits;
    m_value = value & maskFor(numberOfBits);
    return true;
}

bool OSNumber::init(const char* value, unsigned int numberOfBits)
{
    if (!value || !*value)
        return false;
    errno = 0;
    char* end = nullptr;
    unsigned long long parsed = std::strtoull(value, &end, 0);
    if (errno || *end)
        return false;
    return init(parsed, numberOfBits);
}

unsigned int OSNumber::numberOfBits() const
{
    return m_size;
}

unsigned int OSNumber::numberOfBytes() const
{
    return (m_size + 7) / 8;
}

unsigned char OSNumber::unsigned8BitValue() const
{
    return static_cast<unsigned char>(m_value);
}

unsigned short OSNumber::unsigned16BitValue() const
{
    return static_cast<unsigned short>(m_value);
}

unsigned int OSNumber::unsigned32BitValue() const
{
    return static_cast<unsigned int>(m_value);
}

unsigned long long OSNumber::unsigned64BitValue() const
{
    return m_value;
}

void OSNumber::addValue(signed long long value)
{
    m_value = (m_value + static_cast<unsigned long long>(value)) & maskFor(m_size);
}

void OSNumber::setValue(unsigned long long value)
{
    m_value = value & maskFor(m_size);
}

bool OSNumber::isEqualTo(const OSMetaClassBase* anObject) const
{
    return isEqualTo(OSDynamicCast(OSNumber, anObject));
}

bool OSNumber::isEqualTo(const OSNumber* aNumber) const
{
    return aNumber && aNumber->m_value == m_value;
}
