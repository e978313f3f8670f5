// SPDX-License-Identifier: GPL-2.0-or-later
// The reader of I/O Kit's binary serialization (see OSSerialize.cpp for the
// layout). Strict: declared counts must match the members that follow, the
// end flags must fall where the counts say, back-references may only name
// finished objects (no cycles), and nothing may follow the root. A
// back-reference counts as the whole subtree it names, so a few bytes of
// shared references cannot stand for a tree larger than maxElements (walking,
// comparing or writing such a tree as XML would expand it).
#include <libkern/c++/OSContainers.h>
#include <iolab/Serialization.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

namespace iolab::binary {

namespace {

const char* typeName(uint32_t type)
{
    switch (type) {
    case kOSSerializeDictionary: return "dictionary";
    case kOSSerializeArray: return "array";
    case kOSSerializeSet: return "set";
    case kOSSerializeNumber: return "number";
    case kOSSerializeSymbol: return "symbol";
    case kOSSerializeString: return "string";
    case kOSSerializeData: return "data";
    case kOSSerializeBoolean: return "boolean";
    case kOSSerializeObject: return "back-reference";
    default: return "unknown type";
    }
}

class Decoder {
public:
    Decoder(std::span<const uint8_t> bytes, const SerializationLimits& limits) : m_bytes(bytes), m_limits(limits) {}

    IOResult<OSSharedPtr<OSObject>> run()
    {
        if (m_bytes.size() > m_limits.maxBytes)
            return fail(0, "input of " + std::to_string(m_bytes.size()) + " bytes exceeds the limit of " +
                               std::to_string(m_limits.maxBytes));
        if (m_bytes.size() < 8 || std::memcmp(m_bytes.data(), kOSSerializeBinarySignature, 4) != 0)
            return fail(0, m_bytes.size() < 8 ? "input too short for the signature and one object"
                                              : "missing the signature d3 00 00 00");
        m_offset = 4;
        OSSharedPtr<OSObject> root;
        // Each frame is an open collection waiting for `remaining` more members.
        struct Frame {
            OSSharedPtr<OSCollection> collection;
            uint32_t remaining;
            OSSharedPtr<const OSSymbol> pendingKey; // dictionaries: key waiting for its value
            bool expectKey;
            size_t index;         // the collection's place in m_objects
            size_t expandedStart; // m_expanded before the collection was read
        };
        std::vector<Frame> stack;
        for (;;) {
            const size_t at = m_offset;
            if (m_offset + 4 > m_bytes.size())
                return fail(at, stack.empty() ? "missing root object" : "input ends inside a collection");
            const uint32_t word = readWord();
            const uint32_t type = word & kOSSerializeTypeMask;
            const uint32_t length = word & kOSSerializeDataMask;
            const bool end = word & kOSSerializeEndCollection;

            OSSharedPtr<OSObject> object;
            bool isCollection = false;
            switch (type) {
            case kOSSerializeDictionary:
            case kOSSerializeArray:
            case kOSSerializeSet: {
                if (length > m_limits.maxCollectionCount || length > (m_bytes.size() - m_offset) / 4)
                    return fail(at, std::string(typeName(type)) + " declares " + std::to_string(length) +
                                        " members, more than the input can hold");
                if (stack.size() >= m_limits.maxDepth)
                    return fail(at, "nesting deeper than " + std::to_string(m_limits.maxDepth) + " levels");
                const unsigned capacity = std::min<uint32_t>(length, 4096);
                if (type == kOSSerializeDictionary)
                    object.reset(OSDictionary::withCapacity(capacity), OSNoRetain);
                else if (type == kOSSerializeArray)
                    object.reset(OSArray::withCapacity(capacity), OSNoRetain);
                else
                    object.reset(OSSet::withCapacity(capacity), OSNoRetain);
                isCollection = true;
                break;
            }
            case kOSSerializeNumber: {
                if (length < 1 || length > 64)
                    return fail(at, "number width of " + std::to_string(length) + " bits (must be 1 to 64)");
                IOLAB_TRY(need(at, 8, "number"));
                uint64_t value = 0;
                for (int i = 0; i < 8; ++i)
                    value |= uint64_t(m_bytes[m_offset + i]) << (8 * i);
                m_offset += 8;
                object.reset(OSNumber::withNumber(value, length), OSNoRetain);
                break;
            }
            case kOSSerializeSymbol:
            case kOSSerializeString: {
                IOLAB_TRY(need(at, length, typeName(type)));
                std::string_view text(reinterpret_cast<const char*>(m_bytes.data() + m_offset), length);
                if (type == kOSSerializeSymbol) {
                    if (text.empty() || text.back() != '\0')
                        return fail(at, "symbol is not NUL-terminated");
                    text.remove_suffix(1);
                }
                if (text.find('\0') != std::string_view::npos)
                    return fail(at, std::string(typeName(type)) + " contains a NUL byte");
                if (type == kOSSerializeSymbol)
                    object.reset(const_cast<OSSymbol*>(OSSymbol::withStringView(text)), OSNoRetain);
                else
                    object.reset(OSString::withStringView(text), OSNoRetain);
                skipPadded(length);
                break;
            }
            case kOSSerializeData:
                IOLAB_TRY(need(at, length, "data"));
                object.reset(OSData::withBytes(m_bytes.data() + m_offset, length), OSNoRetain);
                skipPadded(length);
                break;
            case kOSSerializeBoolean:
                if (length > 1)
                    return fail(at, "boolean value " + std::to_string(length) + " (must be 0 or 1)");
                object.reset(length ? kOSBooleanTrue : kOSBooleanFalse, OSRetain);
                break;
            case kOSSerializeObject: {
                if (length >= m_objects.size())
                    return fail(at, "back-reference to object " + std::to_string(length) + " of " +
                                        std::to_string(m_objects.size()) + " read so far");
                OSObject* target = m_objects[length].get();
                for (const Frame& frame : stack) {
                    if (frame.collection.get() == target)
                        return fail(at, "back-reference to an enclosing collection (a cycle)");
                }
                object.reset(target, OSRetain);
                // Unfinished collections are all on the stack, so the size is known.
                if (m_sizes[length] > m_limits.maxElements - m_expanded)
                    return fail(at, "back-reference expands the tree past " + std::to_string(m_limits.maxElements) +
                                        " objects");
                m_expanded += m_sizes[length];
                break;
            }
            default:
                return fail(at, "unknown type 0x" + hex(type >> 24));
            }
            if (!object)
                return fail(at, std::string("could not create the ") + typeName(type));
            if (type != kOSSerializeObject) {
                if (++m_expanded > m_limits.maxElements)
                    return fail(at, "more than " + std::to_string(m_limits.maxElements) + " objects");
                m_objects.push_back(object);
                m_sizes.push_back(1); // collections: corrected when they are closed
            }

            // Place the object in its parent (or make it the root).
            if (stack.empty()) {
                if (root)
                    return fail(at, "more than one root object");
                root = object;
                if (!end)
                    return fail(at, "root object lacks the end-of-collection flag");
            } else {
                Frame& parent = stack.back();
                if (auto* dict = OSDynamicCast(OSDictionary, parent.collection.get())) {
                    if (parent.expectKey) {
                        auto* key = OSDynamicCast(OSString, object.get());
                        if (!key)
                            return fail(at, std::string("dictionary key is a ") + typeName(type) +
                                                ", not a symbol or string");
                        parent.pendingKey.reset(OSSymbol::withString(key), OSNoRetain);
                        if (dict->getObject(parent.pendingKey.get()))
                            return fail(at, std::string("duplicate dictionary key \"") +
                                                parent.pendingKey->getCStringNoCopy() + "\"");
                        parent.expectKey = false;
                        if (end)
                            return fail(at, "dictionary ends after a key with no value");
                        if (isCollection)
                            return fail(at, "dictionary key is a collection");
                        continue;
                    }
                    dict->setObject(parent.pendingKey.get(), object.get());
                    parent.pendingKey = nullptr;
                    parent.expectKey = true;
                } else if (auto* array = OSDynamicCast(OSArray, parent.collection.get())) {
                    array->setObject(object.get());
                } else if (auto* set = OSDynamicCast(OSSet, parent.collection.get())) {
                    if (!set->setObject(object.get()))
                        return fail(at, "the same object appears twice in a set");
                }
                if (parent.remaining == 0)
                    return fail(at, "collection holds more members than it declared");
                --parent.remaining;
                if (end != (parent.remaining == 0))
                    return fail(at, end ? "end-of-collection flag before the declared count was reached"
                                        : "collection's last member lacks the end-of-collection flag");
            }
            if (isCollection && length > 0) {
                stack.push_back({OSSharedPtr<OSCollection>(OSDynamicCast(OSCollection, object.get()), OSRetain), length,
                                 nullptr, true, m_objects.size() - 1, m_expanded - 1});
                continue;
            }
            // Close every collection whose last member this was.
            while (!stack.empty() && stack.back().remaining == 0) {
                m_sizes[stack.back().index] = m_expanded - stack.back().expandedStart;
                stack.pop_back();
            }
            if (stack.empty())
                break;
        }
        if (m_offset != m_bytes.size())
            return fail(m_offset, std::to_string(m_bytes.size() - m_offset) + " bytes after the root object");
        return root;
    }

private:
    uint32_t readWord()
    {
        uint32_t word = 0;
        for (int i = 0; i < 4; ++i)
            word |= uint32_t(m_bytes[m_offset + i]) << (8 * i);
        m_offset += 4;
        return word;
    }

    IOResult<bool> need(size_t at, size_t length, const char* what)
    {
        if (length > m_bytes.size() - m_offset)
            return IOError{kIOReturnBadArgument, message(at, std::string(what) + " of " + std::to_string(length) +
                                                                 " bytes runs past the end of the input")};
        return true;
    }

    void skipPadded(size_t length) { m_offset = std::min(m_bytes.size(), m_offset + ((length + 3) & ~size_t(3))); }

    static std::string hex(uint32_t value)
    {
        char text[16];
        std::snprintf(text, sizeof text, "%02x", value);
        return text;
    }

    std::string message(size_t at, const std::string& reason) const
    {
        return "OSSerializeBinary: byte " + std::to_string(at) + ": " + reason;
    }

    IOError fail(size_t at, const std::string& reason) const { return IOError{kIOReturnBadArgument, message(at, reason)}; }

    std::span<const uint8_t> m_bytes;
    const SerializationLimits& m_limits;
    size_t m_offset = 0;
    size_t m_expanded = 0;            // objects in the tree so far, back-references expanded
    // Every object read, in order, for back-references. Retained: a string
    // read as a dictionary key is replaced by a symbol in the dictionary and
    // would otherwise be freed while a later back-reference can still name it.
    std::vector<OSSharedPtr<OSObject>> m_objects;
    std::vector<size_t> m_sizes;      // expanded size of each of m_objects
};

} // namespace

IOResult<OSSharedPtr<OSObject>> decode(std::span<const uint8_t> bytes, const SerializationLimits& limits)
{
    return Decoder(bytes, limits).run();
}

} // namespace iolab::binary

namespace {
OSObject* unserializeResult(iolab::IOResult<OSSharedPtr<OSObject>> result, OSString** errorString)
{
    if (errorString)
        *errorString = result.ok() ? nullptr : OSString::withCString(result.error().message.c_str());
    return result.ok() ? std::move(result).value().detach() : nullptr;
}
} // namespace

OSObject* OSUnserializeBinary(const char* buffer, size_t bufferSize, OSString** errorString)
{
    if (!buffer)
        return unserializeResult(iolab::IOError{kIOReturnBadArgument, "OSSerializeBinary: NULL buffer"}, errorString);
    return unserializeResult(
        iolab::binary::decode(std::span(reinterpret_cast<const uint8_t*>(buffer), bufferSize)), errorString);
}

OSObject* OSUnserializeXML(const char* buffer, size_t bufferSize, OSString** errorString)
{
    if (!buffer)
        return unserializeResult(iolab::IOError{kIOReturnBadArgument, "XML plist: NULL buffer"}, errorString);
    if (bufferSize >= 4 && std::memcmp(buffer, kOSSerializeBinarySignature, 4) == 0)
        return OSUnserializeBinary(buffer, bufferSize, errorString);
    std::string_view text(buffer, bufferSize);
    if (!text.empty() && text.back() == '\0')
        text.remove_suffix(1);
    return unserializeResult(iolab::plist::fromXML(text), errorString);
}

OSObject* OSUnserializeXML(const char* buffer, OSString** errorString)
{
    return OSUnserializeXML(buffer, buffer ? std::strlen(buffer) : 0, errorString);
}

OSObject* OSUnserialize(const char* buffer, OSString** errorString)
{
    return OSUnserializeXML(buffer, errorString);
}
