// SPDX-License-Identifier: GPL-2.0-or-later
// OSSerialize: the writer of I/O Kit's binary serialization, and the XML mode
// that hands the tree to the property-list writer.
//
// Binary layout: the signature word 0x000000d3, then one object. Each object is
// a little-endian word (type | length) followed by its payload padded to 4
// bytes; collections are followed by their members (dictionaries by key/value
// pairs), and the word of a collection's last member has kOSSerializeEndCollection
// set, as does the root's. An object met a second time is written as
// kOSSerializeObject | index, where index counts objects in the order written.
#include <libkern/c++/OSContainers.h>
#include <iolab/Serialization.h>

#include <cstring>

OSDefineMetaClassAndStructors(OSSerialize, OSObject)

namespace {
constexpr uint32_t kSignatureWord = 0x000000d3;
/// Deeper trees fail to serialize rather than exhaust the stack (the readers
/// refuse more than SerializationLimits::maxDepth, 256 by default, anyway).
constexpr unsigned kMaxDepth = 512;
thread_local unsigned t_depth = 0;

/// Counts the nesting of binarySerializeInternal on this thread.
class DepthGuard {
public:
    DepthGuard() { ++t_depth; }
    ~DepthGuard() { --t_depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    bool tooDeep() const { return t_depth > kMaxDepth; }
};

void appendWord(std::vector<uint8_t>& buffer, uint32_t word)
{
    for (int shift = 0; shift < 32; shift += 8)
        buffer.push_back(static_cast<uint8_t>(word >> shift));
}
} // namespace

OSSerialize* OSSerialize::withCapacity(unsigned int capacity)
{
    auto* me = new OSSerialize;
    if (!me->initWithCapacity(capacity, false)) {
        me->release();
        return nullptr;
    }
    return me;
}

OSSerialize* OSSerialize::binaryWithCapacity(unsigned int capacity)
{
    auto* me = new OSSerialize;
    if (!me->initWithCapacity(capacity, true)) {
        me->release();
        return nullptr;
    }
    return me;
}

bool OSSerialize::initWithCapacity(unsigned int capacity, bool binary)
{
    if (!OSObject::init())
        return false;
    m_binary = binary;
    m_buffer.reserve(capacity);
    return true;
}

char* OSSerialize::text() const
{
    if (m_binary)
        return reinterpret_cast<char*>(const_cast<uint8_t*>(m_buffer.data()));
    if (m_xmlRoot && m_xml.empty()) {
        auto xml = iolab::plist::toXML(m_xmlRoot);
        if (xml.ok())
            m_xml = std::move(xml).value();
    }
    return const_cast<char*>(m_xml.c_str());
}

unsigned int OSSerialize::getLength() const
{
    if (m_binary)
        return static_cast<unsigned>(m_buffer.size());
    text();
    return static_cast<unsigned>(m_xml.size() + 1);
}

void OSSerialize::clearText()
{
    m_buffer.clear();
    m_xml.clear();
    m_tags.clear();
    m_nextTag = 0;
    m_endCollection = false;
    if (m_xmlRoot)
        m_xmlRoot->release();
    m_xmlRoot = nullptr;
}

void OSSerialize::free()
{
    clearText();
    OSObject::free();
}

bool OSSerialize::serializeObject(const OSMetaClassBase* object)
{
    if (!object)
        return false;
    if (!m_binary) {
        if (!m_xmlRoot) {
            object->retain();
            m_xmlRoot = object;
            m_xml.clear();
        }
        return true;
    }
    if (m_buffer.empty()) {
        appendWord(m_buffer, kSignatureWord);
        m_endCollection = true; // the root ends the top-level "collection"
    }
    return binarySerializeInternal(object);
}

bool OSSerialize::previouslySerialized(const OSMetaClassBase* object)
{
    auto it = m_tags.find(object);
    if (it == m_tags.end())
        return false;
    addBinaryObject(nullptr, kOSSerializeObject | it->second, nullptr, 0);
    return true;
}

bool OSSerialize::addBinaryObject(const OSMetaClassBase* object, uint32_t key, const void* bytes, uint32_t length)
{
    if (object) {
        if (m_nextTag > kOSSerializeDataMask)
            return false;
        m_tags.emplace(object, m_nextTag++);
    }
    if (m_endCollection) {
        key |= kOSSerializeEndCollection;
        m_endCollection = false;
    }
    appendWord(m_buffer, key);
    if (length) {
        const auto* source = static_cast<const uint8_t*>(bytes);
        m_buffer.insert(m_buffer.end(), source, source + length);
        m_buffer.resize((m_buffer.size() + 3) & ~size_t(3), 0);
    }
    return true;
}

bool OSSerialize::binarySerializeInternal(const OSMetaClassBase* object)
{
    const DepthGuard depth;
    if (depth.tooDeep())
        return false;
    if (previouslySerialized(object))
        return true;
    // Members of a collection: every one but the last clears the end flag.
    auto serializeMembers = [](unsigned count, auto&& member) {
        for (unsigned i = 0; i < count; ++i) {
            if (!member(i, i + 1 == count))
                return false;
        }
        return true;
    };
    if (auto* dict = OSDynamicCast(OSDictionary, object)) {
        const unsigned count = dict->getCount();
        if (count > kOSSerializeDataMask || !addBinaryObject(dict, kOSSerializeDictionary | count, nullptr, 0))
            return false;
        return serializeMembers(count, [&](unsigned i, bool last) {
            m_endCollection = false;
            if (!binarySerializeInternal(dict->keyAtIndex(i)))
                return false;
            m_endCollection = last;
            return binarySerializeInternal(dict->objectAtIndex(i));
        });
    }
    auto serializeSequence = [&](const OSCollection* collection, uint32_t type, auto&& at) {
        const unsigned count = collection->getCount();
        if (count > kOSSerializeDataMask || !addBinaryObject(collection, type | count, nullptr, 0))
            return false;
        return serializeMembers(count, [&](unsigned i, bool last) {
            m_endCollection = last;
            return binarySerializeInternal(at(i));
        });
    };
    if (auto* array = OSDynamicCast(OSArray, object))
        return serializeSequence(array, kOSSerializeArray, [&](unsigned i) { return array->getObject(i); });
    if (auto* ordered = OSDynamicCast(OSOrderedSet, object))
        return serializeSequence(ordered, kOSSerializeArray, [&](unsigned i) { return ordered->getObject(i); });
    if (auto* set = OSDynamicCast(OSSet, object)) {
        OSSharedPtr<OSCollectionIterator> iterator(OSCollectionIterator::withCollection(set), OSNoRetain);
        std::vector<OSObject*> members;
        while (OSObject* member = iterator ? iterator->getNextObject() : nullptr)
            members.push_back(member);
        return serializeSequence(set, kOSSerializeSet, [&](unsigned i) { return members[i]; });
    }
    if (auto* symbol = OSDynamicCast(OSSymbol, object)) {
        const uint32_t length = symbol->getLength() + 1;
        return length <= kOSSerializeDataMask &&
               addBinaryObject(symbol, kOSSerializeSymbol | length, symbol->getCStringNoCopy(), length);
    }
    if (auto* string = OSDynamicCast(OSString, object)) {
        const uint32_t length = string->getLength();
        return length <= kOSSerializeDataMask &&
               addBinaryObject(string, kOSSerializeString | length, string->getCStringNoCopy(), length);
    }
    if (auto* number = OSDynamicCast(OSNumber, object)) {
        uint8_t value[8];
        const unsigned long long raw = number->unsigned64BitValue();
        for (int i = 0; i < 8; ++i)
            value[i] = static_cast<uint8_t>(raw >> (8 * i));
        return addBinaryObject(number, kOSSerializeNumber | number->numberOfBits(), value, sizeof value);
    }
    if (auto* boolean = OSDynamicCast(OSBoolean, object))
        return addBinaryObject(boolean, kOSSerializeBoolean | (boolean->isTrue() ? 1u : 0u), nullptr, 0);
    if (auto* data = OSDynamicCast(OSData, object)) {
        const uint32_t length = data->getLength();
        return length <= kOSSerializeDataMask &&
               addBinaryObject(data, kOSSerializeData | length, data->getBytesNoCopy(), length);
    }
    // Another class may serialize itself by overriding serialize(); the guard
    // stops the default OSObject::serialize from coming straight back here.
    if (m_customInProgress.count(object))
        return false;
    m_customInProgress.insert(object);
    const size_t before = m_buffer.size();
    const bool written = object->serialize(this) && m_buffer.size() != before;
    m_customInProgress.erase(object);
    return written;
}

namespace iolab::binary {

IOResult<std::vector<uint8_t>> encode(const OSMetaClassBase* root)
{
    if (!root)
        return IOError{kIOReturnBadArgument, "OSSerializeBinary: nothing to serialize (NULL root)"};
    OSSharedPtr<OSSerialize> serializer(OSSerialize::binaryWithCapacity(4096), OSNoRetain);
    if (!serializer)
        return IOError{kIOReturnNoMemory, "OSSerializeBinary: out of memory"};
    if (!serializer->serializeObject(root))
        return IOError{kIOReturnBadArgument,
                       "OSSerializeBinary: the tree holds a value that cannot be serialized (a non-container class, "
                       "a string or data over 16 MiB, or nesting deeper than 512 levels)"};
    const auto* bytes = reinterpret_cast<const uint8_t*>(serializer->text());
    return std::vector<uint8_t>(bytes, bytes + serializer->getLength());
}

} // namespace iolab::binary
