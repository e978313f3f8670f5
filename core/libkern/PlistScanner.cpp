// SPDX-License-Identifier: GPL-2.0-or-later
#include "PlistScanner.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
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

/// The length of the well-formed multi-byte UTF-8 sequence at `bytes` (whose
/// first byte is 0x80 or above), or 0 with the reason it is malformed.
size_t utf8SequenceLength(const unsigned char* bytes, size_t available, std::string& reason)
{
    static const char digits[] = "0123456789abcdef";
    auto hex = [](unsigned char c) { return std::string{digits[c >> 4], digits[c & 15]}; };
    const unsigned char lead = bytes[0];
    size_t length;
    uint32_t codePoint;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        codePoint = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        codePoint = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        codePoint = lead & 0x07;
    } else {
        reason = "invalid UTF-8 lead byte 0x" + hex(lead);
        return 0;
    }
    if (length > available) {
        reason = "truncated UTF-8 sequence";
        return 0;
    }
    for (size_t k = 1; k < length; ++k) {
        if ((bytes[k] & 0xC0) != 0x80) {
            reason = "invalid UTF-8 continuation byte 0x" + hex(bytes[k]);
            return 0;
        }
        codePoint = (codePoint << 6) | (bytes[k] & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (codePoint < kMinimum[length]) {
        reason = "overlong UTF-8 encoding";
        return 0;
    }
    if (codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
        reason = "UTF-8 encodes an invalid code point";
        return 0;
    }
    return length;
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
            std::string reason;
            const size_t length = utf8SequenceLength(bytes + i, size - i, reason);
            if (!length)
                return fail(i, reason);
            i += length;
        }
        return true;
    }

    /// Any byte below 0x20 other than tab, LF and CR among eight ASCII bytes?
    /// Branch-free: each test leaves the top bit of a byte set where it holds.
    static bool hasControl(uint64_t chunk)
    {
        constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull, kLow7 = ~kHigh;
        // An ASCII byte plus 0x60 reaches 0x80 exactly when it is at least 0x20; no carry crosses bytes.
        const uint64_t control = ~(chunk + 0x60 * kOnes) & kHigh;
        auto equals = [chunk](uint8_t c) {
            const uint64_t x = chunk ^ (c * kOnes);
            return ~(((x & kLow7) + kLow7) | x) & kHigh; // top bit set where the byte is zero
        };
        return (control & ~(equals('\t') | equals('\n') | equals('\r'))) != 0;
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
            if (entity == "lt" || entity == "gt" || entity == "amp" || entity == "quot" || entity == "apos") {
                i = semicolon;
                continue;
            }
            if (!entity.starts_with('#'))
                return fail(i, "unknown entity &" + std::string(entity) + ";");
            if (const char* problem = characterReferenceProblem(entity))
                return fail(i, "character reference &" + std::string(entity) + "; " + problem);
            i = semicolon;
        }
        return true;
    }

    /// Why a numeric character reference ("#65", "#x41") cannot be used, or
    /// NULL. libplist decodes at most eight characters between '&' and ';' and
    /// writes surrogates through as invalid UTF-8, so both are refused here.
    static const char* characterReferenceProblem(std::string_view entity)
    {
        if (entity.size() > 8)
            return "is longer than libplist accepts";
        const bool isHex = entity.size() > 1 && entity[1] == 'x';
        std::string_view digits = entity.substr(isHex ? 2 : 1);
        if (digits.empty())
            return "has no digits";
        uint32_t value = 0;
        for (char c : digits) {
            int digit;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (isHex && c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (isHex && c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            else
                return "is not a number";
            value = value * (isHex ? 16 : 10) + static_cast<uint32_t>(digit);
            if (value > 0x10FFFF)
                return "is beyond U+10FFFF";
        }
        if (value < 0x20 && value != '\t' && value != '\n' && value != '\r')
            return "names a control character XML cannot hold";
        if ((value >= 0xD800 && value <= 0xDFFF) || value == 0xFFFE || value == 0xFFFF)
            return "names a surrogate or non-character";
        return nullptr;
    }

    // --- markup -----------------------------------------------------------
    IOResult<size_t> readMarkup(size_t at)
    {
        std::string_view rest = m_text.substr(at);
        const bool inLeaf = !m_stack.empty() && !isContainer(m_stack.back().element) &&
                            m_stack.back().element != Element::Plist;
        // libplist accepts comments anywhere, CDATA only in values, processing
        // instructions only between elements and a DOCTYPE (without an
        // internal subset) only outside <plist>.
        if (rest.starts_with("<!--"))
            return skipTo(at, 4, "-->", "comment");
        if (rest.starts_with("<![CDATA[")) {
            if (!inLeaf)
                return fail(at, "CDATA outside a value element");
            return skipTo(at, 9, "]]>", "CDATA section");
        }
        if (inLeaf && (rest.starts_with("<?") || rest.starts_with("<!")))
            return fail(at, "markup inside <" + std::string(nameOf(m_stack.back().element)) + ">");
        // Where libplist looks for the end of a processing instruction, a
        // DOCTYPE or a tag it skips over double-quoted text, so the scanner
        // must too: otherwise a quote could hide markup from one of them.
        if (rest.starts_with("<?")) {
            const size_t end = IOLAB_TRY(quotedSearch(at, at + 2, "?>", "processing instruction"));
            return end + 2;
        }
        if (rest.starts_with("<!DOCTYPE")) {
            if (!m_stack.empty() || m_sawRoot)
                return fail(at, "<!DOCTYPE> after the document has started");
            const size_t end = IOLAB_TRY(quotedSearch(at, at + 9, ">", "DOCTYPE declaration"));
            if (m_text.substr(at, end - at).find('[') != std::string_view::npos)
                return fail(at, "DOCTYPE with an internal subset is not supported");
            return end + 1;
        }
        if (rest.starts_with("<!"))
            return fail(at, "unsupported declaration (only <!DOCTYPE>, comments and CDATA are allowed)");
        const size_t close = IOLAB_TRY(quotedSearch(at, at + 1, ">", "tag", true));
        std::string_view tag = m_text.substr(at + 1, close - at - 1);
        // Strip the closing slash first: in "</>" the one slash must not be
        // taken for both a closing and a self-closing mark.
        const bool closing = tag.starts_with('/');
        if (closing)
            tag.remove_prefix(1);
        const bool selfClosing = tag.ends_with('/');
        if (selfClosing)
            tag.remove_suffix(1);
        size_t nameEnd = 0;
        while (nameEnd < tag.size() && !isSpace(tag[nameEnd]))
            ++nameEnd;
        std::string_view name = tag.substr(0, nameEnd);
        const ElementName* known = nullptr;
        for (const auto& entry : kElements) {
            if (entry.name == name) {
                known = &entry;
                break;
            }
        }
        if (!known)
            return fail(at, name.empty() ? "empty tag name" : "unknown element <" + std::string(name) + ">");
        if (closing) {
            bool malformed = selfClosing;
            for (size_t i = nameEnd; i < tag.size(); ++i)
                malformed = malformed || !isSpace(tag[i]);
            if (malformed)
                return fail(at, "malformed closing tag </" + std::string(name) + ">");
            IOLAB_TRY(closeElement(at, known->element));
        } else {
            if (selfClosing && known->element == Element::Key)
                return fail(at, "empty key must be written <key></key> (libplist rejects <key/>)");
            IOLAB_TRY(openElement(at, known->element, close + 1));
            if (selfClosing)
                IOLAB_TRY(closeElement(at, known->element));
        }
        return close + 1;
    }

    /// The offset of `terminator` at or after `from`, skipping double-quoted
    /// text as libplist does (a quote that is never closed runs to the end).
    /// In an element's tag, libplist also stops at an unquoted '<'.
    IOResult<size_t> quotedSearch(size_t at, size_t from, std::string_view terminator, const char* what,
                                  bool openingEndsTag = false)
    {
        for (size_t i = from; i < m_text.size(); ++i) {
            if (m_text.compare(i, terminator.size(), terminator) == 0)
                return i;
            if (m_text[i] == '<' && openingEndsTag)
                return fail(i, "'<' inside a tag");
            if (m_text[i] == '"') {
                const size_t quote = m_text.find('"', i + 1);
                if (quote == std::string_view::npos)
                    return fail(i, std::string("unterminated quote in ") + what);
                i = quote;
            }
        }
        return fail(at, std::string("unterminated ") + what);
    }

    IOResult<size_t> skipTo(size_t at, size_t opening, std::string_view terminator, const char* what)
    {
        // Search after the opening: "<!-->" does not close itself.
        const size_t end = m_text.find(terminator, at + opening);
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
        case Element::Date: return checkDate(open.textStart, content);
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
        // libplist reads integers with strtoull(…, 0), so "010" would be octal 8
        // (and "08" zero); plists mean decimal. Mark the leading zeros for
        // fromXML to blank out (strtoull skips the spaces).
        if (!isHex && digits.size() > 1 && digits[0] == '0') {
            const size_t first = at + (content.size() - digits.size());
            for (size_t i = 0; i + 1 < digits.size() && digits[i] == '0'; ++i)
                m_result.leadingZeros.push_back(first + i);
        }
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
        // libplist silently drops a final group of fewer than four characters.
        if (padding > 2 || (significant + padding) % 4 != 0)
            return fail(at, "<data> is not valid base64 (its length is not a multiple of 4)");
        return true;
    }

    /// "YYYY-MM-DDTHH:MM:SSZ", a real day, and within the 32-bit seconds
    /// around 2001 that libplist hands out (1932-12-13T20:45:52Z …
    /// 2069-01-19T03:14:07Z). libplist's own date parser reads out of bounds on
    /// a bad month, so nothing else passes.
    IOResult<bool> checkDate(size_t at, std::string_view content)
    {
        while (!content.empty() && isSpace(content.front())) {
            content.remove_prefix(1);
            ++at;
        }
        std::string_view text = content;
        while (!text.empty() && isSpace(text.back()))
            text.remove_suffix(1);
        const std::string shown = "\"" + std::string(text.substr(0, 40)) + "\"";
        static constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:ddZ";
        bool matches = text.size() == kPattern.size() && content.size() < 32;
        for (size_t i = 0; matches && i < kPattern.size(); ++i)
            matches = kPattern[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == kPattern[i];
        if (!matches)
            return fail(at, shown + " is not a date of the form YYYY-MM-DDTHH:MM:SSZ");
        auto number = [&](size_t from, size_t count) {
            int value = 0;
            for (size_t i = from; i < from + count; ++i)
                value = value * 10 + (text[i] - '0');
            return value;
        };
        const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
        const int hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
        static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] + (month == 2 && leap) || hour > 23 ||
            minute > 59 || second > 59)
            return fail(at, shown + " is not a valid date and time");
        const int64_t seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                                978307200; // 2001-01-01T00:00:00Z
        if (seconds < INT32_MIN || seconds > INT32_MAX)
            return fail(at, shown + " is outside 1932-12-13 … 2069-01-19, the dates libplist can hold");
        return true;
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static int64_t daysFromCivil(int64_t year, int month, int day)
    {
        year -= month <= 2;
        const int64_t era = (year >= 0 ? year : year - 399) / 400;
        const int64_t yearOfEra = year - era * 400;
        const int64_t dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        const int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146097 + dayOfEra - 719468;
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

bool isValidUTF8(std::string_view text)
{
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    std::string reason;
    for (size_t i = 0; i < text.size();) {
        if (bytes[i] < 0x80) {
            ++i;
            continue;
        }
        const size_t length = utf8SequenceLength(bytes + i, text.size() - i, reason);
        if (!length)
            return false;
        i += length;
    }
    return true;
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

    static std::string hex(unsigned value)
    {
        char text[8];
        std::snprintf(text, sizeof text, "%02x", value);
        return text;
    }

    /// Type 0x5 strings are ASCII; libplist cuts them at a NUL byte.
    IOResult<bool> checkASCII(size_t at, uint64_t length) const
    {
        for (size_t i = at; i < at + length; ++i) {
            if (m_bytes[i] == 0 || m_bytes[i] >= 0x80)
                return fail(i, "ASCII string holds byte 0x" + hex(m_bytes[i]));
        }
        return true;
    }

    /// Type 0x6 strings are UTF-16BE; libplist drops unpaired surrogates
    /// silently and keeps U+0000, which no OSString can hold.
    IOResult<bool> checkUTF16(size_t at, uint64_t units) const
    {
        for (uint64_t i = 0; i < units; ++i) {
            const size_t where = at + 2 * i;
            const uint32_t unit = uint32_t(m_bytes[where]) << 8 | m_bytes[where + 1];
            if (unit == 0)
                return fail(where, "UTF-16 string holds U+0000");
            if (unit >= 0xDC00 && unit <= 0xDFFF)
                return fail(where, "UTF-16 string holds an unpaired trail surrogate");
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                const uint32_t next = i + 1 < units ? (uint32_t(m_bytes[where + 2]) << 8 | m_bytes[where + 3]) : 0;
                if (next < 0xDC00 || next > 0xDFFF)
                    return fail(where, "UTF-16 string holds an unpaired lead surrogate");
                ++i;
            }
        }
        return true;
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
            // libplist reads neither null (0x00) nor fill (0x0F) objects.
            if (marker != 0x08 && marker != 0x09)
                return fail(offset, "unsupported marker 0x" + hex(marker) + " (only booleans have type 0)");
            break;
        case 0x1:
            if (low > 4)
                return fail(offset, "integer wider than 16 bytes");
            IOLAB_TRY(need(offset + 1, size_t(1) << low));
            break;
        case 0x2:
            if (low != 2 && low != 3)
                return fail(offset, "real of " + std::to_string(1u << low) + " bytes (must be 4 or 8)");
            IOLAB_TRY(need(offset + 1, size_t(1) << low));
            break;
        case 0x3: {
            if (marker != 0x33)
                return fail(offset, "date marker 0x" + hex(marker) + " (must be 0x33)");
            IOLAB_TRY(need(offset + 1, 8));
            // libplist hands dates out as 32-bit seconds since 2001 (a cast
            // that is undefined outside that range or for NaN).
            const uint64_t bits = readBE(offset + 1, 8);
            double seconds;
            std::memcpy(&seconds, &bits, sizeof seconds);
            if (!(seconds >= INT32_MIN && seconds < double(INT32_MAX) + 1))
                return fail(offset, "date outside 1932-12-13 … 2069-01-19, the dates libplist can hold");
            break;
        }
        case 0x4:
        case 0x5:
        case 0x6: {
            const uint64_t length = IOLAB_TRY(lengthField());
            if (length > m_limits.maxBytes)
                return fail(offset, "length " + std::to_string(length) + " is too large");
            IOLAB_TRY(need(result.refsAt, result.type == 0x6 ? length * 2 : length));
            if (result.type == 0x5)
                IOLAB_TRY(checkASCII(result.refsAt, length));
            else if (result.type == 0x6)
                IOLAB_TRY(checkUTF16(result.refsAt, length));
            break;
        }
        case 0x8: {
            IOLAB_TRY(need(offset + 1, low + 1u));
            // libplist keeps the last eight bytes and wants a 32-bit value.
            const size_t size = low + 1u;
            const size_t kept = std::min<size_t>(size, 8);
            if (readBE(offset + 1 + size - kept, kept) > UINT32_MAX)
                return fail(offset, "UID larger than 32 bits");
            break;
        }
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
            return fail(offset, "unknown object type 0x" + hex(result.type));
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
