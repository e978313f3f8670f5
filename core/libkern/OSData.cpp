// SPDX-License-Identifier: GPL-2.0-or-later
#include <libkern/c++/OSData.h>
#include <libkern/c++/OSString.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

OSDefineMetaClassAndStructors(OSData, OSObject)

namespace {
template <class... Args>
OSData* makeData(bool (OSData::*initializer)(Args...), Args... arguments)
{
    auto* me = new OSData;
    if (!(me->*initializer)(arguments...)) {
        me->release();
        return nullptr;
    }
    return me;
}
} // namespace

OSData* OSData::withCapacity(unsigned int capacity)
{
    return makeData(&OSData::initWithCapacity, capacity);
}

OSData* OSData::withBytes(const void* bytes, unsigned int numBytes)
{
    return makeData(&OSData::initWithBytes, bytes, numBytes);
}

OSData* OSData::withBytesNoCopy(void* bytes, unsigned int numBytes)
{
    return makeData(&OSData::initWithBytesNoCopy, bytes, numBytes);
}

OSData* OSData::withData(const OSData* other)
{
    return other ? withBytes(other->m_bytes, other->m_length) : nullptr;
}

OSData* OSData::withData(const OSData* other, unsigned int start, unsigned int numBytes)
{
    const void* bytes = other ? other->getBytesNoCopy(start, numBytes) : nullptr;
    if (!bytes && !(other && numBytes == 0 && start <= other->m_length))
        return nullptr;
    return withBytes(bytes, numBytes);
}

bool OSData::initWithCapacity(unsigned int capacity)
{
    if (!OSObject::init())
        return false;
    return ensureCapacity(capacity) >= capacity;
}

bool OSData::initWithBytes(const void* bytes, unsigned int numBytes)
{
    if ((!bytes && numBytes) || !initWithCapacity(numBytes))
        return false;
    return appendBytes(bytes, numBytes);
}

bool OSData::initWithBytesNoCopy(void* bytes, unsigned int numBytes)
{
    if (!OSObject::init() || (!bytes && numBytes))
        return false;
    m_bytes = static_cast<uint8_t*>(bytes);
    m_length = m_capacity = numBytes;
    m_owned = false;
    return true;
}

unsigned int OSData::getLength() const
{
    return m_length;
}

unsigned int OSData::getCapacity() const
{
    return m_capacity;
}

unsigned int OSData::ensureCapacity(unsigned int newCapacity)
{
    if (newCapacity <= m_capacity && (m_owned || !m_bytes))
        return m_capacity;
    unsigned int target = std::max(newCapacity, m_capacity);
    if (m_owned && target > m_capacity) {
        // Grow geometrically so that appends are amortised O(1).
        unsigned long long grown = std::max<unsigned long long>(target, m_capacity * 2ULL);
        target = static_cast<unsigned>(std::min<unsigned long long>(grown, std::numeric_limits<unsigned>::max()));
    }
    auto* bytes = static_cast<uint8_t*>(std::malloc(target ? target : 1));
    if (!bytes)
        return m_capacity;
    if (m_length)
        std::memcpy(bytes, m_bytes, m_length);
    if (m_owned)
        std::free(m_bytes);
    m_bytes = bytes;
    m_capacity = target;
    m_owned = true;
    return m_capacity;
}

bool OSData::appendBytes(const void* bytes, unsigned int numBytes)
{
    if (numBytes == 0)
        return true;
    if (numBytes > std::numeric_limits<unsigned>::max() - m_length)
        return false;
    const unsigned int needed = m_length + numBytes;
    // The source may be our own storage (data appended to itself), which growing frees.
    const auto source = reinterpret_cast<uintptr_t>(bytes);
    const auto storage = reinterpret_cast<uintptr_t>(m_bytes);
    const bool ownBytes = bytes && m_bytes && source >= storage && source < storage + m_length;
    const uintptr_t sourceOffset = ownBytes ? source - storage : 0;
    if ((!m_owned || needed > m_capacity) && ensureCapacity(needed) < needed)
        return false;
    if (ownBytes)
        bytes = m_bytes + sourceOffset;
    if (bytes)
        std::memmove(m_bytes + m_length, bytes, numBytes);
    else
        std::memset(m_bytes + m_length, 0, numBytes);
    m_length = needed;
    return true;
}

bool OSData::appendBytes(const OSData* other)
{
    return other && appendBytes(other->m_bytes, other->m_length);
}

bool OSData::appendByte(unsigned char byte, unsigned int count)
{
    if (count == 0)
        return true;
    if (count > std::numeric_limits<unsigned>::max() - m_length)
        return false;
    const unsigned int needed = m_length + count;
    if ((!m_owned || needed > m_capacity) && ensureCapacity(needed) < needed)
        return false;
    std::memset(m_bytes + m_length, byte, count);
    m_length = needed;
    return true;
}

const void* OSData::getBytesNoCopy() const
{
    return m_length ? m_bytes : nullptr;
}

const void* OSData::getBytesNoCopy(unsigned int start, unsigned int numBytes) const
{
    if (start >= m_length || numBytes > m_length - start)
        return nullptr;
    return m_bytes + start;
}

bool OSData::isEqualTo(const OSMetaClassBase* anObject) const
{
    if (this == anObject)
        return true;
    if (auto* data = OSDynamicCast(OSData, anObject))
        return isEqualTo(data);
    if (auto* string = OSDynamicCast(OSString, anObject))
        return isEqualTo(string);
    return false;
}

bool OSData::isEqualTo(const OSData* aDataObj) const
{
    return aDataObj && isEqualTo(aDataObj->m_bytes, aDataObj->m_length);
}

bool OSData::isEqualTo(const void* bytes, unsigned int numBytes) const
{
    return numBytes == m_length && (numBytes == 0 || std::memcmp(bytes, m_bytes, numBytes) == 0);
}

bool OSData::isEqualTo(const OSString* aString) const
{
    return aString && aString->isEqualTo(this);
}

void OSData::free()
{
    if (m_owned)
        std::free(m_bytes);
    m_bytes = nullptr;
    OSObject::free();
}
