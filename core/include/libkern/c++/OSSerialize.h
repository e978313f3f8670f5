// SPDX-License-Identifier: GPL-2.0-or-later
// OSSerialize: turns an object tree into I/O Kit's binary serialization (the
// IPC payload format) or into an XML property list.
#pragma once

#include <libkern/c++/OSObject.h>

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

// Tags of the binary format: each object starts with a 32-bit little-endian
// word (type << 24 | length), bit 31 marking the last object of a collection.
enum {
    kOSSerializeDictionary = 0x01000000U,
    kOSSerializeArray = 0x02000000U,
    kOSSerializeSet = 0x03000000U,
    kOSSerializeNumber = 0x04000000U,
    kOSSerializeSymbol = 0x08000000U,
    kOSSerializeString = 0x09000000U,
    kOSSerializeData = 0x0a000000U,
    kOSSerializeBoolean = 0x0b000000U,
    kOSSerializeObject = 0x0c000000U,
    kOSSerializeTypeMask = 0x7F000000U,
    kOSSerializeDataMask = 0x00FFFFFFU,
    kOSSerializeEndCollection = 0x80000000U,
};
#define kOSSerializeBinarySignature "\323\0\0"

class OSSerialize : public OSObject {
    OSDeclareDefaultStructors(OSSerialize)

public:
    /// An XML serializer: text() gives a property-list document.
    static OSSerialize* withCapacity(unsigned int capacity);
    /// A binary serializer: text() gives OSSerializeBinary bytes (getLength() of them).
    static OSSerialize* binaryWithCapacity(unsigned int capacity);

    virtual bool initWithCapacity(unsigned int capacity, bool binary);
    bool isBinary() const { return m_binary; }

    /// The serialization so far (XML: NUL-terminated text; binary: bytes).
    virtual char* text() const;
    virtual unsigned int getLength() const;
    /// Clears the output to serialize another tree.
    virtual void clearText();

    /// Serializes a libkern value (string, symbol, number, boolean, data or
    /// collection). Objects of other classes fail unless they override serialize().
    bool serializeObject(const OSMetaClassBase* object);

    // The binary format's building blocks, for classes that serialize themselves.
    bool addBinaryObject(const OSMetaClassBase* object, uint32_t key, const void* bytes, uint32_t length);
    bool previouslySerialized(const OSMetaClassBase* object);
    void setEndCollection(bool isLast) { m_endCollection = isLast; }

    void free() override;

private:
    bool binarySerializeInternal(const OSMetaClassBase* object);
    std::vector<uint8_t> m_buffer;
    mutable std::string m_xml;
    std::unordered_map<const OSMetaClassBase*, uint32_t> m_tags;
    std::unordered_set<const OSMetaClassBase*> m_customInProgress;
    uint32_t m_nextTag = 0;
    const OSMetaClassBase* m_xmlRoot = nullptr;
    bool m_binary = false;
    bool m_endCollection = false;
};
