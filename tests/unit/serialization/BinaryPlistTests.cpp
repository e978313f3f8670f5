// SPDX-License-Identifier: GPL-2.0-or-later
// The binary property-list reader and its pre-scanner (checkBinaryPlist):
// hand-built bplist00 files, good and bad. Every refusal names a byte offset.
#include "SerializationProperties.h"

#include <iolab/Serialization.h>

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

/// The trailer fields of a bplist00, to be overridden to break one.
struct Trailer {
    uint8_t offsetSize = 0; ///< 0: as small as the offsets allow
    uint8_t refSize = 1;
    std::optional<uint64_t> objectCount;
    uint64_t top = 0;
    std::optional<uint64_t> tableOffset;

    Trailer& withOffsetSize(uint8_t size) { offsetSize = size; return *this; }
    Trailer& withRefSize(uint8_t size) { refSize = size; return *this; }
    Trailer& withObjectCount(uint64_t count) { objectCount = count; return *this; }
    Trailer& withTop(uint64_t index) { top = index; return *this; }
    Trailer& withTableOffset(uint64_t offset) { tableOffset = offset; return *this; }
};

/// Assembles a bplist00 from encoded objects: header, objects, offset table
/// and trailer. Fields of the trailer can be overridden to break it.
class BPlistBuilder {
public:
    size_t add(Bytes object)
    {
        m_objects.push_back(std::move(object));
        return m_objects.size() - 1;
    }

    Bytes build(Trailer trailer = Trailer()) const
    {
        Bytes out = {'b', 'p', 'l', 'i', 's', 't', '0', '0'};
        std::vector<uint64_t> offsets;
        for (const Bytes& object : m_objects) {
            offsets.push_back(out.size());
            out.insert(out.end(), object.begin(), object.end());
        }
        const uint64_t table = out.size();
        uint8_t offsetSize = trailer.offsetSize;
        if (!offsetSize)
            offsetSize = table < 0x100 ? 1 : table < 0x10000 ? 2 : 4;
        for (uint64_t offset : offsets)
            appendBE(out, offset, offsetSize);
        out.insert(out.end(), 6, 0);
        out.push_back(offsetSize);
        out.push_back(trailer.refSize);
        appendBE(out, trailer.objectCount.value_or(m_objects.size()), 8);
        appendBE(out, trailer.top, 8);
        appendBE(out, trailer.tableOffset.value_or(table), 8);
        return out;
    }

    static void appendBE(Bytes& out, uint64_t value, unsigned size)
    {
        for (unsigned i = size; i-- > 0;)
            out.push_back(i >= 8 ? 0 : static_cast<uint8_t>(value >> (8 * i)));
    }

    static Bytes ascii(std::string_view text)
    {
        Bytes out = lengthMarker(0x50, text.size());
        out.insert(out.end(), text.begin(), text.end());
        return out;
    }
    static Bytes utf16(std::initializer_list<uint16_t> units)
    {
        Bytes out = lengthMarker(0x60, units.size());
        for (uint16_t unit : units)
            appendBE(out, unit, 2);
        return out;
    }
    static Bytes integer(uint64_t value) // always eight bytes
    {
        Bytes out = {0x13};
        appendBE(out, value, 8);
        return out;
    }
    static Bytes date(double seconds)
    {
        Bytes out = {0x33};
        appendBE(out, std::bit_cast<uint64_t>(seconds), 8);
        return out;
    }
    static Bytes array(std::initializer_list<uint64_t> refs, unsigned refSize = 1)
    {
        Bytes out = lengthMarker(0xA0, refs.size());
        for (uint64_t ref : refs)
            appendBE(out, ref, refSize);
        return out;
    }
    static Bytes dict(std::initializer_list<uint64_t> keys, std::initializer_list<uint64_t> values)
    {
        Bytes out = lengthMarker(0xD0, keys.size());
        for (uint64_t ref : keys)
            out.push_back(static_cast<uint8_t>(ref));
        for (uint64_t ref : values)
            out.push_back(static_cast<uint8_t>(ref));
        return out;
    }
    /// A marker with the count in its low nibble, or 0xF and an integer.
    static Bytes lengthMarker(uint8_t type, uint64_t count)
    {
        if (count < 15)
            return {static_cast<uint8_t>(type | count)};
        Bytes out = {static_cast<uint8_t>(type | 0x0F), 0x13};
        appendBE(out, count, 8);
        return out;
    }

private:
    std::vector<Bytes> m_objects;
};

/// The refusal message of input that must be refused, with a byte offset.
std::string refusal(const Bytes& bytes, const iolab::SerializationLimits& limits = {})
{
    auto result = iolab::plist::fromBinary(bytes, limits);
    if (result.ok())
        return "accepted";
    EXPECT_EQ(result.code(), kIOReturnBadArgument);
    EXPECT_EQ(result.error().message.rfind("binary plist: ", 0), 0u) << result.error().message;
    return result.error().message;
}

#define EXPECT_REFUSED(bytes, reason)                                                                   \
    do {                                                                                                \
        const std::string message_ = refusal(bytes);                                                    \
        EXPECT_NE(message_.find(reason), std::string::npos) << "expected \"" << (reason) << "\" in: "  \
                                                            << message_;                                \
        EXPECT_NE(message_.find("byte "), std::string::npos) << message_;                             \
    } while (0)

TEST(BinaryPlist, BuilderMakesWhatTheReaderAndPlistlibAgreeOn)
{
    // {"a": 1, "b": ["x", "x"]} with the string shared.
    BPlistBuilder builder;
    builder.add(BPlistBuilder::dict({1, 2}, {3, 4}));
    builder.add(BPlistBuilder::ascii("a"));
    builder.add(BPlistBuilder::ascii("b"));
    builder.add(BPlistBuilder::integer(1));
    builder.add(BPlistBuilder::array({5, 5}));
    builder.add(BPlistBuilder::utf16({0x00e9, 0xd83d, 0xde00}));
    auto result = iolab::plist::fromBinary(builder.build());
    ASSERT_TRUE(result.ok()) << result.error().message;
    auto* dict = OSDynamicCast(OSDictionary, result.value().get());
    ASSERT_NE(dict, nullptr);
    ASSERT_EQ(dict->getCount(), 2u);
    auto* one = OSDynamicCast(OSNumber, dict->getObject("a"));
    ASSERT_NE(one, nullptr);
    EXPECT_EQ(one->unsigned64BitValue(), 1u);
    auto* array = OSDynamicCast(OSArray, dict->getObject("b"));
    ASSERT_NE(array, nullptr);
    ASSERT_EQ(array->getCount(), 2u);
    EXPECT_TRUE(OSDynamicCast(OSString, array->getObject(1))->isEqualTo("\xc3\xa9\xf0\x9f\x98\x80"));
}

TEST(BinaryPlist, DatesAndRealsBecomeText)
{
    BPlistBuilder builder;
    builder.add(BPlistBuilder::array({1, 2}));
    builder.add(BPlistBuilder::date(0));
    builder.add({0x23, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}); // 0.1
    auto result = iolab::plist::fromBinary(builder.build());
    ASSERT_TRUE(result.ok()) << result.error().message;
    auto* array = OSDynamicCast(OSArray, result.value().get());
    ASSERT_NE(array, nullptr);
    EXPECT_TRUE(OSDynamicCast(OSString, array->getObject(0))->isEqualTo("2001-01-01T00:00:00Z"));
    EXPECT_TRUE(OSDynamicCast(OSString, array->getObject(1))->isEqualTo("0.1"));
}

TEST(BinaryPlist, EveryPrefixAndTrailingGarbageAreRefused)
{
    OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(2), OSNoRetain);
    OSSharedPtr<OSString> value(OSString::withCString("value \xe6\xbc\xa2"), OSNoRetain);
    OSSharedPtr<OSNumber> number(OSNumber::withNumber(1234567, 32), OSNoRetain);
    dict->setObject("key", value.get());
    dict->setObject("number", number.get());
    auto bytes = iolab::plist::toBinary(dict.get());
    ASSERT_TRUE(bytes.ok());
    const Bytes full = bytes.value();
    for (size_t length = 0; length < full.size(); ++length) {
        const Bytes prefix(full.begin(), full.begin() + static_cast<long>(length));
        EXPECT_FALSE(iolab::plist::fromBinary(prefix).ok()) << "prefix of " << length << " bytes";
    }
    Bytes garbage = full;
    garbage.insert(garbage.end(), {'j', 'u', 'n', 'k'});
    EXPECT_FALSE(iolab::plist::fromBinary(garbage).ok());
}

TEST(BinaryPlist, OffsetTableOutsideTheData)
{
    BPlistBuilder builder;
    builder.add(BPlistBuilder::ascii("x"));
    EXPECT_REFUSED(builder.build(Trailer().withTableOffset(4000)), "offset table lies outside");
    EXPECT_REFUSED(builder.build(Trailer().withTableOffset(2)), "offset table lies outside");
    EXPECT_REFUSED(builder.build(Trailer().withObjectCount(uint64_t(1) << 62)), "offset table lies outside");
    EXPECT_REFUSED(builder.build(Trailer().withOffsetSize(9)), "offset or reference size");
    EXPECT_REFUSED(builder.build(Trailer().withTop(1)), "top object 1 of 1");

    // An entry of the table that points past the objects.
    Bytes bytes = builder.build();
    bytes[bytes.size() - 32 - 1] = 0xF0;
    EXPECT_REFUSED(bytes, "object 0 lies outside the data");
}

TEST(BinaryPlist, ReferenceOutsideTheObjectsAndToNonStringKeys)
{
    BPlistBuilder builder;
    builder.add(BPlistBuilder::array({7}));
    EXPECT_REFUSED(builder.build(), "reference to object 7 of 1");

    BPlistBuilder keys;
    keys.add(BPlistBuilder::dict({1}, {1}));
    keys.add(BPlistBuilder::integer(5));
    EXPECT_REFUSED(keys.build(), "dictionary key is not a string");
}

TEST(BinaryPlist, ReferenceCycles)
{
    BPlistBuilder self;
    self.add(BPlistBuilder::array({0}));
    EXPECT_REFUSED(self.build(), "cycle");

    BPlistBuilder loop;
    loop.add(BPlistBuilder::array({1}));
    loop.add(BPlistBuilder::dict({2}, {0}));
    loop.add(BPlistBuilder::ascii("k"));
    EXPECT_REFUSED(loop.build(), "cycle");
}

TEST(BinaryPlist, BillionLaughs)
{
    // Twelve arrays of fourteen references to the one before: 14^12 objects
    // once libplist has expanded the shared references.
    BPlistBuilder builder;
    builder.add(BPlistBuilder::ascii("lol"));
    for (uint64_t level = 1; level <= 12; ++level) {
        const uint64_t below = level - 1;
        builder.add(BPlistBuilder::array(
            {below, below, below, below, below, below, below, below, below, below, below, below, below, below}));
    }
    EXPECT_REFUSED(builder.build(Trailer().withTop(12)), "expands to more than 33554432 objects");

    // Sharing that stays under the limit is fine.
    iolab::SerializationLimits limits;
    limits.maxElements = 14 * 14 + 14 + 1;
    auto small = iolab::plist::fromBinary(builder.build(Trailer().withTop(2)), limits);
    EXPECT_TRUE(small.ok()) << small.error().message;
    limits.maxElements -= 1;
    EXPECT_FALSE(iolab::plist::fromBinary(builder.build(Trailer().withTop(2)), limits).ok());
}

TEST(BinaryPlist, HugeDeclaredCounts)
{
    BPlistBuilder array;
    array.add(BPlistBuilder::lengthMarker(0xA0, uint64_t(1) << 40));
    EXPECT_REFUSED(array.build(), "members exceeds the limit");

    BPlistBuilder fits;
    fits.add(BPlistBuilder::lengthMarker(0xA0, 1000));
    EXPECT_REFUSED(fits.build(), "runs past the object area");

    BPlistBuilder string;
    string.add(BPlistBuilder::lengthMarker(0x50, uint64_t(1) << 62));
    EXPECT_REFUSED(string.build(), "is too large");

    BPlistBuilder utf16;
    utf16.add(BPlistBuilder::lengthMarker(0x60, uint64_t(1) << 27));
    EXPECT_REFUSED(utf16.build(), "runs past the object area");
}

TEST(BinaryPlist, DeepNesting)
{
    BPlistBuilder builder;
    for (uint64_t i = 0; i < 300; ++i)
        builder.add(BPlistBuilder::array({i + 1}, 2));
    builder.add(BPlistBuilder::ascii("bottom"));
    EXPECT_REFUSED(builder.build(Trailer().withRefSize(2)), "nesting deeper than 256 levels");
}

TEST(BinaryPlist, ObjectsLibplistCannotRead)
{
    auto single = [](Bytes object) {
        BPlistBuilder builder;
        builder.add(std::move(object));
        return builder.build();
    };
    EXPECT_REFUSED(single({0x00}), "unsupported marker 0x00");
    EXPECT_REFUSED(single({0x0F}), "unsupported marker 0x0f");
    EXPECT_REFUSED(single({0x70}), "unknown object type 0x07");
    EXPECT_REFUSED(single({0x21, 0, 0}), "real of 2 bytes");
    EXPECT_REFUSED(single({0x15, 0, 0}), "integer wider than 16 bytes");
    EXPECT_REFUSED(single(BPlistBuilder::date(1e300)), "date outside");
    EXPECT_REFUSED(single(BPlistBuilder::date(std::numeric_limits<double>::quiet_NaN())), "date outside");
    EXPECT_REFUSED(single({0x32, 0, 0, 0, 0}), "date marker 0x32");
    EXPECT_REFUSED(single({0x84, 1, 0, 0, 0, 0}), "UID larger than 32 bits");
    EXPECT_REFUSED(single(BPlistBuilder::ascii(std::string_view("a\0b", 3))), "ASCII string holds byte 0x00");
    EXPECT_REFUSED(single(BPlistBuilder::ascii("caf\xe9")), "ASCII string holds byte 0xe9");
    EXPECT_REFUSED(single(BPlistBuilder::utf16({0x0041, 0x0000})), "U+0000");
    EXPECT_REFUSED(single(BPlistBuilder::utf16({0xd83d})), "unpaired lead surrogate");
    EXPECT_REFUSED(single(BPlistBuilder::utf16({0xd83d, 0x0041})), "unpaired lead surrogate");
    EXPECT_REFUSED(single(BPlistBuilder::utf16({0xde00})), "unpaired trail surrogate");
    EXPECT_REFUSED(single({0x5F, 0x14, 1}), "malformed length");

    // UIDs that fit are read as numbers.
    auto uid = iolab::plist::fromBinary(single({0x81, 0x12, 0x34}));
    ASSERT_TRUE(uid.ok()) << uid.error().message;
    EXPECT_EQ(OSDynamicCast(OSNumber, uid.value().get())->unsigned64BitValue(), 0x1234u);
}

TEST(BinaryPlist, NotABinaryPlist)
{
    EXPECT_REFUSED(Bytes{}, "too short");
    Bytes text(64, 'x');
    EXPECT_REFUSED(text, "missing the bplist00 header");
    // fromBytes sends anything without the signature to the XML reader.
    auto xml = iolab::plist::fromBytes(text);
    ASSERT_FALSE(xml.ok());
    EXPECT_EQ(xml.error().message.rfind("XML plist: ", 0), 0u) << xml.error().message;
}

} // namespace
