// SPDX-License-Identifier: GPL-2.0-or-later
// XML and binary property lists <-> OSObject trees, through libplist. This is
// the only file that includes <plist/plist.h>.
#include "PlistScanner.h"

#include <libkern/c++/OSContainers.h>
#include <iolab/Serialization.h>

#include <plist/plist.h>

#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <sys/stat.h>

namespace iolab::plist {

namespace {

struct PlistDeleter {
    void operator()(void* node) const { plist_free(node); }
};
using PlistPtr = std::unique_ptr<void, PlistDeleter>;

constexpr unsigned kMaxWriteDepth = 512;
constexpr int64_t kSecondsFrom1970To2001 = 978307200;

std::string formatDate(int32_t seconds, int32_t microseconds)
{
    const time_t unixTime = static_cast<time_t>(seconds + kSecondsFrom1970To2001);
    tm utc{};
    gmtime_r(&unixTime, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    (void)microseconds; // XML plist dates have whole seconds
    return text;
}

/// plist_t -> OSObject, depth-limited (binary plists are not pre-scanned).
class ToObject {
public:
    explicit ToObject(const SerializationLimits& limits) : m_limits(limits) {}

    IOResult<OSSharedPtr<OSObject>> convert(plist_t node, unsigned depth)
    {
        if (++m_elements > m_limits.maxElements)
            return IOError{kIOReturnBadArgument, "more than " + std::to_string(m_limits.maxElements) + " objects"};
        switch (plist_get_node_type(node)) {
        case PLIST_BOOLEAN: {
            uint8_t value = 0;
            plist_get_bool_val(node, &value);
            return OSSharedPtr<OSObject>(value ? kOSBooleanTrue : kOSBooleanFalse, OSNoRetain);
        }
        case PLIST_UINT:
        case PLIST_UID: {
            uint64_t value = 0;
            if (plist_get_node_type(node) == PLIST_UID)
                plist_get_uid_val(node, &value);
            else
                plist_get_uint_val(node, &value);
            return adopt(OSNumber::withNumber(value, 64));
        }
        case PLIST_REAL: {
            double value = 0;
            plist_get_real_val(node, &value);
            // The shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
            char text[64];
            const auto written = std::to_chars(text, text + sizeof text, value);
            return adopt(OSString::withStringView(std::string_view(text, written.ptr - text)));
        }
        case PLIST_STRING:
        case PLIST_KEY: {
            uint64_t length = 0;
            const char* text = plist_get_string_ptr(node, &length);
            if (!text)
                return adopt(OSString::withCString(""));
            const std::string_view view(text, length);
            IOLAB_TRY(checkString(view));
            return adopt(OSString::withStringView(view));
        }
        case PLIST_DATE: {
            int32_t seconds = 0, microseconds = 0;
            plist_get_date_val(node, &seconds, &microseconds);
            return adopt(OSString::withCString(formatDate(seconds, microseconds).c_str()));
        }
        case PLIST_DATA: {
            uint64_t length = 0;
            const char* bytes = plist_get_data_ptr(node, &length);
            if (length > UINT32_MAX)
                return IOError{kIOReturnBadArgument, "data of " + std::to_string(length) + " bytes is too large"};
            return adopt(OSData::withBytes(bytes, static_cast<unsigned>(length)));
        }
        case PLIST_ARRAY: {
            if (depth >= m_limits.maxDepth)
                return tooDeep();
            const uint32_t count = plist_array_get_size(node);
            if (count > m_limits.maxCollectionCount)
                return tooMany(count);
            OSSharedPtr<OSArray> array(OSArray::withCapacity(count), OSNoRetain);
            plist_array_iter iterator = nullptr;
            plist_array_new_iter(node, &iterator);
            for (;;) {
                plist_t item = nullptr;
                plist_array_next_item(node, iterator, &item);
                if (!item)
                    break;
                auto member = convert(item, depth + 1);
                if (!member.ok()) {
                    std::free(iterator);
                    return member.error();
                }
                array->setObject(member.value().get());
            }
            std::free(iterator);
            return OSSharedPtr<OSObject>(array);
        }
        case PLIST_DICT: {
            if (depth >= m_limits.maxDepth)
                return tooDeep();
            const uint32_t count = plist_dict_get_size(node);
            if (count > m_limits.maxCollectionCount)
                return tooMany(count);
            OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(count), OSNoRetain);
            plist_dict_iter iterator = nullptr;
            plist_dict_new_iter(node, &iterator);
            for (;;) {
                char* key = nullptr;
                plist_t value = nullptr;
                plist_dict_next_item(node, iterator, &key, &value);
                if (!value) {
                    std::free(key);
                    break;
                }
                auto symbol = internedKey(key ? key : "");
                std::free(key);
                if (!symbol.ok()) {
                    std::free(iterator);
                    return IOError{symbol.error().code, "key: " + symbol.error().message};
                }
                auto member = convert(value, depth + 1);
                if (!member.ok()) {
                    std::free(iterator);
                    return member.error();
                }
                dict->setObject(symbol.value(), member.value().get());
            }
            std::free(iterator);
            return OSSharedPtr<OSObject>(dict);
        }
        default:
            return IOError{kIOReturnBadArgument, "unsupported property-list node type"};
        }
    }

private:
    template <class T>
    static IOResult<OSSharedPtr<OSObject>> adopt(T* object)
    {
        if (!object)
            return IOError{kIOReturnNoMemory, "could not create a value"};
        return OSSharedPtr<OSObject>(object, OSNoRetain);
    }
    /// The symbol for a dictionary key. Keys repeat all over a document (every
    /// registry entry has an IOClass), so a cache local to this parse saves the
    /// symbol pool's lock, hash and atomic retain, and the UTF-8 check, for all
    /// but the first occurrence of each key. The cache holds a reference.
    IOResult<const OSSymbol*> internedKey(std::string_view text)
    {
        if (auto found = m_keys.find(text); found != m_keys.end())
            return found->second.get();
        IOLAB_TRY(checkString(text));
        OSSharedPtr<const OSSymbol> symbol(OSSymbol::withStringView(text), OSNoRetain);
        if (!symbol)
            return IOError{kIOReturnNoMemory, "could not create a symbol"};
        const OSSymbol* borrowed = symbol.get();
        m_keys.emplace(borrowed->view(), std::move(symbol)); // the view is the symbol's own text
        return borrowed;
    }

    /// What an OSString must be: the pre-scanners already see to it, this is
    /// the last line before the object tree.
    static IOResult<bool> checkString(std::string_view text)
    {
        if (text.find('\0') != std::string_view::npos)
            return IOError{kIOReturnBadArgument, "string holds a NUL character"};
        if (!isValidUTF8(text))
            return IOError{kIOReturnBadArgument, "string is not valid UTF-8"};
        return true;
    }

    IOError tooDeep() const
    {
        return IOError{kIOReturnBadArgument, "nesting deeper than " + std::to_string(m_limits.maxDepth) + " levels"};
    }
    IOError tooMany(uint32_t count) const
    {
        return IOError{kIOReturnBadArgument, "collection of " + std::to_string(count) + " members exceeds the limit of " +
                                                 std::to_string(m_limits.maxCollectionCount)};
    }

    const SerializationLimits& m_limits;
    size_t m_elements = 0;
    std::unordered_map<std::string_view, OSSharedPtr<const OSSymbol>> m_keys;
};

enum class Format : uint8_t { XML, Binary };

/// Why `text` cannot be written as a string of `format`, or NULL. libplist's
/// binary writer stops at malformed UTF-8 and both writers at a NUL; XML 1.0
/// has no way at all to hold the other C0 control characters.
const char* unwritableString(std::string_view text, Format format)
{
    if (text.find('\0') != std::string_view::npos)
        return "holds a NUL character";
    if (!isValidUTF8(text))
        return "is not valid UTF-8";
    if (format == Format::XML) {
        for (char c : text) {
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return "holds a control character that XML cannot represent";
        }
    }
    return nullptr;
}

/// OSObject -> plist_t. Errors name the path of the offending value.
IOResult<PlistPtr> toPlist(const OSMetaClassBase* object, const std::string& path, unsigned depth, Format format)
{
    if (!object)
        return IOError{kIOReturnBadArgument, path + ": NULL value"};
    if (depth > kMaxWriteDepth)
        return IOError{kIOReturnBadArgument, path + ": nesting deeper than " + std::to_string(kMaxWriteDepth) +
                                                 " levels (is there a cycle?)"};
    if (auto* dict = OSDynamicCast(OSDictionary, object)) {
        PlistPtr node(plist_new_dict());
        for (unsigned i = 0; i < dict->getCount(); ++i) {
            const OSSymbol* symbol = dict->keyAtIndex(i);
            const char* key = symbol->getCStringNoCopy();
            if (const char* problem = unwritableString(symbol->view(), format))
                return IOError{kIOReturnBadArgument, path + ": key \"" + key + "\" " + problem};
            PlistPtr child = IOLAB_TRY(toPlist(dict->objectAtIndex(i), path + "/" + key, depth + 1, format));
            plist_dict_set_item(node.get(), key, child.release());
        }
        return node;
    }
    if (auto* collection = OSDynamicCast(OSCollection, object)) {
        // Arrays, sets and ordered sets all become arrays.
        PlistPtr node(plist_new_array());
        OSSharedPtr<OSCollectionIterator> iterator(OSCollectionIterator::withCollection(collection), OSNoRetain);
        unsigned index = 0;
        while (OSObject* member = iterator ? iterator->getNextObject() : nullptr) {
            PlistPtr child = IOLAB_TRY(toPlist(member, path + "/" + std::to_string(index++), depth + 1, format));
            plist_array_append_item(node.get(), child.release());
        }
        return node;
    }
    if (auto* string = OSDynamicCast(OSString, object)) {
        if (const char* problem = unwritableString(string->view(), format))
            return IOError{kIOReturnBadArgument, path + ": string " + problem};
        return PlistPtr(plist_new_string(string->getCStringNoCopy()));
    }
    if (auto* number = OSDynamicCast(OSNumber, object))
        return PlistPtr(plist_new_uint(number->unsigned64BitValue()));
    if (auto* boolean = OSDynamicCast(OSBoolean, object))
        return PlistPtr(plist_new_bool(boolean->isTrue()));
    if (auto* data = OSDynamicCast(OSData, object))
        return PlistPtr(plist_new_data(static_cast<const char*>(data->getBytesNoCopy()), data->getLength()));
    return IOError{kIOReturnBadArgument,
                   path + ": a " + object->getMetaClass()->getClassName() + " cannot be written to a property list"};
}

IOResult<OSSharedPtr<OSObject>> convertRoot(plist_t root, const SerializationLimits& limits, const char* format)
{
    auto result = ToObject(limits).convert(root, 0);
    if (!result.ok())
        return IOError{result.error().code, std::string(format) + ": " + result.error().message};
    return result;
}

} // namespace

IOResult<OSSharedPtr<OSObject>> fromXML(std::string_view text, const SerializationLimits& limits)
{
    const ScanResult scan = IOLAB_TRY(scanXML(text, limits));
    std::string copy;
    if (!scan.hasPlistElement || !scan.leadingZeros.empty()) {
        // A bare value (as I/O Kit's OSUnserializeXML accepts): libplist wants
        // a <plist> document. Leading zeros become spaces (see ScanResult).
        constexpr std::string_view kOpen = "<plist version=\"1.0\">", kClose = "</plist>";
        const size_t shift = scan.hasPlistElement ? 0 : kOpen.size();
        copy.reserve(text.size() + kOpen.size() + kClose.size());
        if (!scan.hasPlistElement)
            copy.append(kOpen);
        copy.append(text);
        if (!scan.hasPlistElement)
            copy.append(kClose);
        for (size_t offset : scan.leadingZeros)
            copy[shift + offset] = ' ';
        text = copy;
    }
    if (text.size() > UINT32_MAX)
        return IOError{kIOReturnBadArgument, "XML plist: document larger than 4 GiB"};
    plist_t root = nullptr;
    plist_from_xml(text.data(), static_cast<uint32_t>(text.size()), &root);
    if (!root)
        return IOError{kIOReturnBadArgument, "XML plist: libplist could not parse the document"};
    PlistPtr owner(root);
    return convertRoot(root, limits, "XML plist");
}

IOResult<OSSharedPtr<OSObject>> fromBinary(std::span<const uint8_t> bytes, const SerializationLimits& limits)
{
    if (bytes.size() > limits.maxBytes || bytes.size() > UINT32_MAX)
        return IOError{kIOReturnBadArgument, "binary plist: input of " + std::to_string(bytes.size()) +
                                                 " bytes exceeds the limit of " + std::to_string(limits.maxBytes)};
    IOLAB_TRY(checkBinaryPlist(bytes, limits));
    plist_t root = nullptr;
    plist_from_bin(reinterpret_cast<const char*>(bytes.data()), static_cast<uint32_t>(bytes.size()), &root);
    if (!root)
        return IOError{kIOReturnBadArgument, "binary plist: libplist could not parse the data"};
    PlistPtr owner(root);
    return convertRoot(root, limits, "binary plist");
}

IOResult<OSSharedPtr<OSObject>> fromBytes(std::span<const uint8_t> bytes, const SerializationLimits& limits)
{
    if (bytes.size() >= 6 && std::memcmp(bytes.data(), "bplist", 6) == 0)
        return fromBinary(bytes, limits);
    return fromXML(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), limits);
}

IOResult<OSSharedPtr<OSObject>> fromFile(const std::string& path, const SerializationLimits& limits)
{
    struct stat info{};
    if (::stat(path.c_str(), &info) != 0)
        return IOError{kIOReturnNotFound, path + ": " + std::strerror(errno)};
    if (!S_ISREG(info.st_mode))
        return IOError{kIOReturnBadArgument, path + ": not a regular file"};
    if (static_cast<uint64_t>(info.st_size) > limits.maxBytes)
        return IOError{kIOReturnBadArgument, path + ": " + std::to_string(info.st_size) +
                                                 " bytes exceeds the limit of " + std::to_string(limits.maxBytes)};
    std::ifstream stream(path, std::ios::binary);
    std::vector<uint8_t> bytes(static_cast<size_t>(info.st_size));
    if (!stream.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
        return IOError{kIOReturnIOError, path + ": could not be read"};
    auto result = fromBytes(bytes, limits);
    if (!result.ok())
        return IOError{result.error().code, path + ": " + result.error().message};
    return result;
}

IOResult<std::string> toXML(const OSMetaClassBase* root)
{
    PlistPtr node = IOLAB_TRY(toPlist(root, "root", 0, Format::XML));
    char* xml = nullptr;
    uint32_t length = 0;
    plist_to_xml(node.get(), &xml, &length);
    if (!xml)
        return IOError{kIOReturnNoMemory, "XML plist: libplist could not write the document"};
    // libplist writes a carriage return in a string as it is, and XML readers
    // turn it into a line feed; a character reference keeps it. libplist
    // itself never writes one, so every \r in the output is string content.
    std::string text;
    text.reserve(length);
    const char* const end = xml + length;
    for (const char* c = xml; c != end;) {
        // Whole runs at a time: a byte-by-byte push_back cost a fifth of toXML.
        const auto* cr = static_cast<const char*>(std::memchr(c, '\r', static_cast<size_t>(end - c)));
        if (!cr) {
            text.append(c, end);
            break;
        }
        text.append(c, cr).append("&#13;");
        c = cr + 1;
    }
    plist_to_xml_free(xml);
    return text;
}

IOResult<std::vector<uint8_t>> toBinary(const OSMetaClassBase* root)
{
    PlistPtr node = IOLAB_TRY(toPlist(root, "root", 0, Format::Binary));
    char* bytes = nullptr;
    uint32_t length = 0;
    plist_to_bin(node.get(), &bytes, &length);
    if (!bytes)
        return IOError{kIOReturnNoMemory, "binary plist: libplist could not write the data"};
    std::vector<uint8_t> result(bytes, bytes + length);
    plist_to_bin_free(bytes);
    return result;
}

} // namespace iolab::plist
