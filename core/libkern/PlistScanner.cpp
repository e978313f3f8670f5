// SPDX-License-Identifier: GPL-2.0-or-later
#include "PlistScanner.h"

#include <cstring>
#include <string>
#include <vector>

namespace iolab::plist {

namespace {

enum class Element : uint8_t { Plist, Dict, Array, Key, String, Integer, Real, Date, Data, True, False };

struct ElementName {
    std::string_view name;
    Element element;
};
constexpr ElementName kElements[] = {
    {"plist", Element::Plist}, {"dict", Element::Dict},       {"array", Element::Array}, {"key", Element::Key},
    {"string", Element::String}, {"integer", Element::Integer}, {"real", Element::Real},   {"date", Element::Date},
    {"data", Element::Data},     {"true", Element::True},       {"false", Element::False},
};

bool isContainer(Element element)
{
    return element == Element::Dict || element == Element::Array;
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct Open {
    Element element;
    size_t members = 0;     // values inside (dict: keys + values)
    bool awaitingValue = false; // dict: a <key> was read, its value is next
    size_t textStart = 0;   // leaves: where the content starts
};

class Scanner {
public:
    Scanner(std::string_view text, const SerializationLimits& limits) : m_text(text), m_limits(limits) {}

    IOResult<ScanResult> run()
    {
        if (m_text.size() > m_limits.maxBytes)
            return fail(0, "document of " + std::to_string(m_text.size()) + " bytes exceeds the limit of " +
                               std::to_string(m_limits.maxBytes));
        IOLAB_TRY(checkEncoding());
        size_t position = 0;
        while (position < m_text.size()) {
            const char* found =
                static_cast<const char*>(std::memchr(m_text.data() + position, '<', m_text.size() - position));
            const size_t tag = found ? static_cast<size_t>(found - m_text.data()) : m_text.size();
            IOLAB_TRY(checkText(position, tag));
            if (tag == m_text.size())
                break;
            position = IOLAB_TRY(readMarkup(tag));
        }
        if (!m_stack.empty())
            return fail(m_text.size(), "document ends inside <" + std::string(nameOf(m_stack.back().element)) + ">");
        if (!m_sawRoot)
            return fail(m_text.size(), "no property-list value found");
        return m_result;
    }

private:
    // --- errors -----------------------------------------------------------
    IOError fail(size_t at, const std::string& reason) const
    {
        size_t line = 1, column = 1;
        for (size_t i = 0; i < at && i < m_text.size(); ++i) {
            if (m_text[i] == '\n') {
                ++line;
                column = 1;
            } else if ((static_cast<unsigned char>(m_text[i]) & 0xC0) != 0x80) {
                ++column;
            }
        }
        return IOError{kIOReturnBadArgument, "XML plist: line " + std::to_string(line) + ", column " +
                                                 std::to_string(column) + ": " + reason};
    }

    static std::string_view nameOf(Element element)
    {
        for (const auto& entry : kElements) {
            if (entry.element == element)
                return entry.name;
        }
        return "?";
    }

    // --- encoding ---------------------------------------------------------
    IOResult<bool> checkEncoding() const
    {
        const auto* bytes = reinterpret_cast<const unsigned char*>(m_text.data());
        const size_t size = m_text.size();
        size_t i = 0;
        while (i < size) {
            // Fast path: eight ASCII bytes at a time.
            if (i + 8 <= size) {
                uint64_t chunk;
                std::memcpy(&chunk, bytes + i, 8);
                if (!(chunk & 0x8080808080808080ull) && !hasControl(chunk)) {
                    i += 8;
                    continue;
                }
            }
            const unsigned char c = bytes[i];
            if (c < 0x80) {
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                    return fail(i, "control character 0x" + hex(c) + " is not allowed in XML");
                ++i;
                continue;
            }
            size_t length;
            uint32_t codePoint;
            if ((c & 0xE0) == 0xC0) {
                length = 2;
                codePoint = c & 0x1F;
            } else if ((c & 0xF0) == 0xE0) {
                length = 3;
                codePoint = c & 0x0F;
            } else if ((c & 0xF8) == 0xF0) {
                length = 4;
                codePoint = c & 0x07;
            } else {
                return fail(i, "invalid UTF-8 lead byte 0x" + hex(c));
            }
            if (i + length > size)
                return fail(i, "truncated UTF-8 sequence");
            for (size_t k = 1; k < length; ++k) {
                if ((bytes[i + k] & 0xC0) != 0x80)
                    return fail(i, "invalid UTF-8 continuation byte 0x" + hex(bytes[i + k]));
                codePoint = (codePoint << 6) | (bytes[i + k] & 0x3F);
            }
            static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
            if (codePoint < kMinimum[length])
                return fail(i, "overlong UTF-8 encoding");
            if (codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
                return fail(i, "UTF-8 encodes an invalid code point");
            i += length;
        }
        return true;
    }

    static bool hasControl(uint64_t chunk)
    {
        // Any byte below 0x20 other than tab, LF and CR?
        for (int k = 0; k < 8; ++k) {
            const auto c = static_cast<unsigned char>(chunk >> (8 * k));
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return true;
        }
        return false;
    }

    static std::string hex(unsigned value)
    {
        static const char digits[] = "0123456789abcdef";
        return {digits[(value >> 4) & 15], digits[value & 15]};
    }

    // --- text between markup ----------------------------------------------
    IOResult<bool> checkText(size_t begin, size_t end)
    {
        if (begin == end)
            return true;
        const bool inLeaf = !m_stack.empty() && !isContainer(m_stack.back().element) &&
                            m_stack.back().element != Element::Plist;
        if (!inLeaf) {
            for (size_t i = begin; i < end; ++i) {
                if (!isSpace(m_text[i]))
                    return fail(i, "text outside a value element");
            }
            return true;
        }
        // Entities inside leaf text.
        for (size_t i = begin; i < end; ++i) {
            if (m_text[i] == '>')
                continue;
            if (m_text[i] != '&')
                continue;
            const size_t semicolon = m_text.find(';', i);
            if (semicolon == std::string_view::npos || semicolon > end || semicolon - i > 12)
                return fail(i, "unterminated entity reference");
            std::string_view entity = m_text.substr(i + 1, semicolon - i - 1);
            if (entity != "lt" && entity != "gt" && entity != "amp" && entity != "quot" && entity != "apos" &&
                !isCharacterReference(entity))
                return fail(i, "unknown entity &" + std::string(entity) + ";");
            i = semicolon;
        }
        return true;
    }

    static bool isCharacterReference(std::string_view entity)
    {
        if (entity.size() < 2 || entity[0] != '#')
            return false;
        uint32_t value = 0;
        const bool isHex = entity[1] == 'x';
        std::string_view digits = entity.substr(isHex ? 2 : 1);
        if (digits.empty())
            return false;
        for (char c : digits) {
            int digit;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (isHex && c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (isHex && c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            else
                return false;
            value = value * (isHex ? 16 : 10) + static_cast<uint32_t>(digit);
            if (value > 0x10FFFF)
                return false;
        }
        return value >= 0x20 || value == '\t' || value == '\n' || value == '\r';
    }

    // --- markup -----------------------------------------------------------
    IOResult<size_t> readMarkup(size_t at)
    {
        std::string_view rest = m_text.substr(at);
        if (rest.starts_with("<?"))
            return skipTo(at, "?>", "processing instruction");
        if (rest.starts_with("<!--"))
            return skipTo(at, "-->", "comment");
        if (rest.starts_with("<![CDATA[")) {
            if (m_stack.empty() || isContainer(m_stack.back().element) || m_stack.back().element == Element::Plist)
                return fail(at, "CDATA outside a value element");
            return skipTo(at, "]]>", "CDATA section");
        }
        if (rest.starts_with("<!"))
            return skipTo(at, ">", "declaration");
        const size_t close = m_text.find('>', at);
        if (close == std::string_view::npos)
            return fail(at, "unterminated tag");
        std::string_view tag = m_text.substr(at + 1, close - at - 1);
        const bool closing = !tag.empty() && tag[0] == '/';
        const bool selfClosing = !tag.empty() && tag.back() == '/';
        if (closing)
            tag.remove_prefix(1);
        if (selfClosing)
            tag.remove_suffix(1);
        size_t nameEnd = 0;
        while (nameEnd < tag.size() && !isSpace(tag[nameEnd]))
            ++nameEnd;
        std::string_view name = tag.substr(0, nameEnd);
        const ElementName* known = nullptr;
        for (const auto& entry : kElements) {
            if (entry.name == name)
                known = &entry;
        }
        if (!known)
            return fail(at, name.empty() ? "empty tag name" : "unknown element <" + std::string(name) + ">");
        if (closing) {
            if (selfClosing || nameEnd != tag.size())
                return fail(at, "malformed closing tag </" + std::string(name) + ">");
            IOLAB_TRY(closeElement(at, known->element));
        } else {
            IOLAB_TRY(openElement(at, known->element, close + 1));
            if (selfClosing)
                IOLAB_TRY(closeElement(at, known->element));
        }
        return close + 1;
    }

    IOResult<size_t> skipTo(size_t at, std::string_view terminator, const char* what)
    {
        const size_t end = m_text.find(terminator, at + 2);
        if (end == std::string_view::npos)
            return fail(at, std::string("unterminated ") + what);
        return end + terminator.size();
    }

    IOResult<bool> openElement(size_t at, Element element, size_t contentStart)
    {
        if (element == Element::Plist) {
            if (!m_stack.empty() || m_sawRoot || m_sawPlist)
                return fail(at, "<plist> may only be the document element");
            m_sawPlist = true;
            m_result.hasPlistElement = true;
            m_stack.push_back({element, 0, false, contentStart});
            return true;
        }
        if (m_stack.empty()) {
            if (m_sawRoot)
                return fail(at, "more than one top-level value");
            m_sawRoot = true;
        } else {
            Open& parent = m_stack.back();
            switch (parent.element) {
            case Element::Plist:
                if (parent.members++ > 0)
                    return fail(at, "<plist> holds more than one value");
                m_sawRoot = true;
                break;
            case Element::Dict:
                if (!parent.awaitingValue && element != Element::Key)
                    return fail(at, "<" + std::string(nameOf(element)) + "> in a <dict> where a <key> belongs");
                if (parent.awaitingValue && element == Element::Key)
                    return fail(at, "<key> follows a <key> without a value");
                parent.awaitingValue = !parent.awaitingValue;
                if (++parent.members > 2 * m_limits.maxCollectionCount)
                    return fail(at, "<dict> holds more than " + std::to_string(m_limits.maxCollectionCount) + " entries");
                break;
            case Element::Array:
                if (element == Element::Key)
                    return fail(at, "<key> inside an <array>");
                if (++parent.members > m_limits.maxCollectionCount)
                    return fail(at, "<array> holds more than " + std::to_string(m_limits.maxCollectionCount) + " values");
                break;
            default:
                return fail(at, "<" + std::string(nameOf(element)) + "> inside <" + std::string(nameOf(parent.element)) + ">");
            }
        }
        if (element == Element::Key && (m_stack.empty() || m_stack.back().element != Element::Dict))
            return fail(at, "<key> outside a <dict>");
        if (++m_elements > m_limits.maxElements)
            return fail(at, "more than " + std::to_string(m_limits.maxElements) + " elements");
        if (isContainer(element) && ++m_depth > m_limits.maxDepth)
            return fail(at, "nesting deeper than " + std::to_string(m_limits.maxDepth) + " levels");
        m_stack.push_back({element, 0, false, contentStart});
        return true;
    }

    IOResult<bool> closeElement(size_t at, Element element)
    {
        if (m_stack.empty())
            return fail(at, "</" + std::string(nameOf(element)) + "> closes nothing");
        const Open open = m_stack.back();
        if (open.element != element)
            return fail(at, "expected </" + std::string(nameOf(open.element)) + "> but found </" +
                                std::string(nameOf(element)) + ">");
        m_stack.pop_back();
        if (isContainer(element))
            --m_depth;
        if (element == Element::Dict && open.awaitingValue)
            return fail(at, "<dict> ends after a <key> without a value");
        if (element == Element::Plist && open.members == 0)
            return fail(at, "<plist> holds no value");
        std::string_view content = m_text.substr(open.textStart, at > open.textStart ? at - open.textStart : 0);
        switch (element) {
        case Element::Integer: return checkInteger(open.textStart, content);
        case Element::Data: return checkBase64(open.textStart, content);
        case Element::True:
        case Element::False:
            for (char c : content) {
                if (!isSpace(c))
                    return fail(open.textStart, "<" + std::string(nameOf(element)) + "> must be empty");
            }
            return true;
        case Element::Real: return checkReal(open.textStart, content);
        default: return true;
        }
    }

    IOResult<bool> checkInteger(size_t at, std::string_view content)
    {
        while (!content.empty() && isSpace(content.front())) {
            content.remove_prefix(1);
            ++at;
        }
        while (!content.empty() && isSpace(content.back()))
            content.remove_suffix(1);
        std::string_view digits = content;
        bool negative = false;
        if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
            negative = digits[0] == '-';
            digits.remove_prefix(1);
        }
        const bool isHex = digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
        if (isHex)
            digits.remove_prefix(2);
        if (digits.empty())
            return fail(at, "<integer> holds no number");
        unsigned __int128 value = 0;
        for (char c : digits) {
            int digit;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (isHex && c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (isHex && c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            else
                return fail(at, "\"" + std::string(content.substr(0, 40)) + "\" is not an integer");
            value = value * (isHex ? 16 : 10) + static_cast<unsigned>(digit);
            if (value > (static_cast<unsigned __int128>(1) << 64))
                return fail(at, "integer " + std::string(content.substr(0, 40)) + " does not fit in 64 bits");
        }
        if (negative ? value > (static_cast<unsigned __int128>(1) << 63) : value > ~uint64_t(0))
            return fail(at, "integer " + std::string(content.substr(0, 40)) + " does not fit in 64 bits");
        return true;
    }

    IOResult<bool> checkReal(size_t at, std::string_view content)
    {
        std::string copy(content);
        const char* begin = copy.c_str();
        while (isSpace(*begin))
            ++begin;
        char* end = nullptr;
        std::strtod(begin, &end);
        while (end && isSpace(*end))
            ++end;
        if (end == begin || !end || *end)
            return fail(at, "\"" + copy.substr(0, 40) + "\" is not a real number");
        return true;
    }

    IOResult<bool> checkBase64(size_t at, std::string_view content)
    {
        size_t significant = 0, padding = 0;
        for (size_t i = 0; i < content.size(); ++i) {
            const char c = content[i];
            if (isSpace(c))
                continue;
            if (c == '=') {
                ++padding;
                continue;
            }
            const bool valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                               c == '+' || c == '/';
            if (!valid || padding)
                return fail(at + i, padding ? "base64 data continues after '=' padding"
                                            : std::string("character '") + c + "' is not base64");
            ++significant;
        }
        if (padding > 2 || (significant + padding) % 4 == 1)
            return fail(at, "<data> is not valid base64 (length)");
        return true;
    }

    std::string_view m_text;
    const SerializationLimits& m_limits;
    std::vector<Open> m_stack;
    ScanResult m_result;
    size_t m_elements = 0;
    unsigned m_depth = 0;
    bool m_sawRoot = false;
    bool m_sawPlist = false;
};

} // namespace

IOResult<ScanResult> scanXML(std::string_view text, const SerializationLimits& limits)
{
    return Scanner(text, limits).run();
}

} // namespace iolab::plist

namespace iolab::plist {

namespace {

class BinaryChecker {
public:
    BinaryChecker(std::span<const uint8_t> bytes, const SerializationLimits& limits) : m_bytes(bytes), m_limits(limits)
    {
    }

    IOResult<bool> run()
    {
        constexpr size_t kHeader = 8, kTrailer = 32;
        if (m_bytes.size() < kHeader + kTrailer + 1 || std::memcmp(m_bytes.data(), "bplist00", 8) != 0)
            return fail(0, m_bytes.size() < kHeader + kTrailer + 1 ? "too short for a binary plist"
                                                                   : "missing the bplist00 header");
        const size_t trailer = m_bytes.size() - kTrailer;
        m_offsetSize = m_bytes[trailer + 6];
        m_refSize = m_bytes[trailer + 7];
        const uint64_t objectCount = readBE(trailer + 8, 8);
        const uint64_t top = readBE(trailer + 16, 8);
        const uint64_t tableOffset = readBE(trailer + 24, 8);
        if (m_offsetSize < 1 || m_offsetSize > 8 || m_refSize < 1 || m_refSize > 8)
            return fail(trailer, "offset or reference size outside 1…8 bytes");
        if (objectCount == 0 || top >= objectCount)
            return fail(trailer, "top object " + std::to_string(top) + " of " + std::to_string(objectCount));
        if (tableOffset < kHeader || tableOffset > trailer || objectCount > (trailer - tableOffset) / m_offsetSize)
            return fail(trailer, "offset table lies outside the data");
        if (objectCount > m_limits.maxElements)
            return fail(trailer, std::to_string(objectCount) + " objects exceed the limit of " +
                                     std::to_string(m_limits.maxElements));
        m_tableOffset = tableOffset;
        m_objectCount = objectCount;
        m_state.assign(objectCount, 0);
        m_treeSize.assign(objectCount, 0);
        m_depth.assign(objectCount, 0);
        return walk(top);
    }

private:
    IOError fail(size_t at, const std::string& reason) const
    {
        return IOError{kIOReturnBadArgument, "binary plist: byte " + std::to_string(at) + ": " + reason};
    }

    uint64_t readBE(size_t at, size_t size) const
    {
        uint64_t value = 0;
        for (size_t i = 0; i < size; ++i)
            value = (value << 8) | m_bytes[at + i];
        return value;
    }

    struct Object {
        size_t offset;
        uint8_t type;        // high nibble of the marker
        uint64_t count;      // members of containers
        size_t refsAt;       // where the member references start
    };

    IOResult<Object> object(uint64_t index) const
    {
        const size_t offset = readBE(m_tableOffset + index * m_offsetSize, m_offsetSize);
        if (offset < 8 || offset >= m_tableOffset)
            return fail(m_tableOffset + index * m_offsetSize, "object " + std::to_string(index) + " lies outside the data");
        const uint8_t marker = m_bytes[offset];
        Object result{offset, static_cast<uint8_t>(marker >> 4), 0, offset + 1};
        const uint8_t low = marker & 0x0F;
        auto lengthField = [&]() -> IOResult<uint64_t> {
            if (low != 0x0F)
                return uint64_t(low);
            // The length follows as an integer object.
            const size_t at = offset + 1;
            if (at >= m_tableOffset || (m_bytes[at] >> 4) != 0x1 || (m_bytes[at] & 0x0F) > 3)
                return fail(at, "malformed length");
            const size_t size = size_t(1) << (m_bytes[at] & 0x0F);
            if (at + 1 + size > m_tableOffset)
                return fail(at, "length runs past the object area");
            result.refsAt = at + 1 + size;
            return readBE(at + 1, size);
        };
        auto need = [&](size_t from, uint64_t bytes) -> IOResult<bool> {
            if (bytes > m_tableOffset || from > m_tableOffset - bytes)
                return fail(offset, "object runs past the object area");
            return true;
        };
        switch (result.type) {
        case 0x0:
            if (marker != 0x00 && marker != 0x08 && marker != 0x09 && marker != 0x0F)
                return fail(offset, "unknown marker 0x" + std::to_string(marker));
            break;
        case 0x1:
        case 0x2:
            if (low > 4)
                return fail(offset, "number wider than 16 bytes");
            IOLAB_TRY(need(offset + 1, size_t(1) << low));
            break;
        case 0x3:
            IOLAB_TRY(need(offset + 1, 8));
            break;
        case 0x4:
        case 0x5:
        case 0x6: {
            const uint64_t length = IOLAB_TRY(lengthField());
            if (length > m_limits.maxBytes)
                return fail(offset, "length " + std::to_string(length) + " is too large");
            IOLAB_TRY(need(result.refsAt, result.type == 0x6 ? length * 2 : length));
            break;
        }
        case 0x8:
            IOLAB_TRY(need(offset + 1, low + 1u));
            break;
        case 0xA:
        case 0xC:
        case 0xD: {
            result.count = IOLAB_TRY(lengthField());
            if (result.count > m_limits.maxCollectionCount)
                return fail(offset, "collection of " + std::to_string(result.count) + " members exceeds the limit");
            const uint64_t refs = result.count * (result.type == 0xD ? 2 : 1);
            IOLAB_TRY(need(result.refsAt, refs * m_refSize));
            break;
        }
        default:
            return fail(offset, "unknown object type 0x" + std::to_string(result.type));
        }
        return result;
    }

    IOResult<bool> walk(uint64_t top)
    {
        // Iterative depth-first walk: a frame is an object and the next member to visit.
        struct Frame {
            uint64_t index;
            Object object;
            uint64_t next;
        };
        std::vector<Frame> stack;
        auto push = [&](uint64_t index) -> IOResult<bool> {
            if (m_state[index] == 1)
                return fail(0, "object " + std::to_string(index) + " contains itself (a cycle)");
            if (m_state[index] == 2)
                return true;
            Object described = IOLAB_TRY(object(index));
            m_state[index] = 1;
            stack.push_back({index, described, 0});
            if (stack.size() > m_limits.maxDepth + 1)
                return fail(described.offset, "nesting deeper than " + std::to_string(m_limits.maxDepth) + " levels");
            return true;
        };
        IOLAB_TRY(push(top));
        while (!stack.empty()) {
            Frame& frame = stack.back();
            const bool container = frame.object.type == 0xA || frame.object.type == 0xC || frame.object.type == 0xD;
            const uint64_t refs = container ? frame.object.count * (frame.object.type == 0xD ? 2 : 1) : 0;
            if (frame.next < refs) {
                const uint64_t child = readBE(frame.object.refsAt + frame.next * m_refSize, m_refSize);
                ++frame.next;
                if (child >= m_objectCount)
                    return fail(frame.object.offset, "reference to object " + std::to_string(child) + " of " +
                                                         std::to_string(m_objectCount));
                if (frame.object.type == 0xD && frame.next <= frame.object.count) {
                    // Keys must be strings.
                    Object key = IOLAB_TRY(object(child));
                    if (key.type != 0x5 && key.type != 0x6)
                        return fail(key.offset, "dictionary key is not a string");
                }
                IOLAB_TRY(push(child));
                continue;
            }
            // All members done: the expanded tree size and depth of this object.
            uint64_t size = 1;
            uint32_t depth = 0;
            for (uint64_t i = 0; i < refs; ++i) {
                const uint64_t child = readBE(frame.object.refsAt + i * m_refSize, m_refSize);
                size += m_treeSize[child];
                depth = std::max(depth, m_depth[child]);
                if (size > m_limits.maxElements)
                    return fail(frame.object.offset, "expands to more than " + std::to_string(m_limits.maxElements) +
                                                         " objects");
            }
            m_treeSize[frame.index] = size;
            m_depth[frame.index] = depth + (container ? 1 : 0);
            if (m_depth[frame.index] > m_limits.maxDepth)
                return fail(frame.object.offset, "nesting deeper than " + std::to_string(m_limits.maxDepth) + " levels");
            m_state[frame.index] = 2;
            stack.pop_back();
        }
        return true;
    }

    std::span<const uint8_t> m_bytes;
    const SerializationLimits& m_limits;
    size_t m_offsetSize = 0, m_refSize = 0;
    uint64_t m_tableOffset = 0, m_objectCount = 0;
    std::vector<uint8_t> m_state; // 0 unseen, 1 on the walk's stack, 2 done
    std::vector<uint64_t> m_treeSize;
    std::vector<uint32_t> m_depth;
};

} // namespace

IOResult<bool> checkBinaryPlist(std::span<const uint8_t> bytes, const SerializationLimits& limits)
{
    return BinaryChecker(bytes, limits).run();
}

} // namespace iolab::plist
