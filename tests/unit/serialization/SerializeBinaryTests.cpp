// SPDX-License-Identifier: GPL-2.0-or-later
// I/O Kit's binary serialization: the byte layout of small trees, built by
// hand from the format description at the top of core/libkern/OSSerialize.cpp,
// and malformed input, each refused with the byte offset of the problem.
#include "SerializationProperties.h"

#include <iolab/Serialization.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;
using iolab::binary::decode;
using iolab::binary::encode;

constexpr uint32_t kEnd = kOSSerializeEndCollection;

/// Writes the format by hand: little-endian words, payloads padded to four bytes.
class Writer {
public:
    Writer() { word(0x000000d3); }

    Writer& word(uint32_t value)
    {
        for (int shift = 0; shift < 32; shift += 8)
            m_bytes.push_back(static_cast<uint8_t>(value >> shift));
        return *this;
    }
    Writer& payload(const void* data, size_t length)
    {
        const auto* bytes = static_cast<const uint8_t*>(data);
        m_bytes.insert(m_bytes.end(), bytes, bytes + length);
        while (m_bytes.size() % 4)
            m_bytes.push_back(0);
        return *this;
    }
    Writer& symbol(std::string_view text, uint32_t flags = 0)
    {
        std::string withNul(text);
        withNul.push_back('\0');
        word(kOSSerializeSymbol | flags | static_cast<uint32_t>(withNul.size()));
        return payload(withNul.data(), withNul.size());
    }
    Writer& string(std::string_view text, uint32_t flags = 0)
    {
        word(kOSSerializeString | flags | static_cast<uint32_t>(text.size()));
        return payload(text.data(), text.size());
    }
    Writer& number(uint64_t value, uint32_t bits, uint32_t flags = 0)
    {
        word(kOSSerializeNumber | flags | bits);
        uint8_t raw[8];
        for (int i = 0; i < 8; ++i)
            raw[i] = static_cast<uint8_t>(value >> (8 * i));
        return payload(raw, sizeof raw);
    }
    Writer& boolean(bool value, uint32_t flags = 0) { return word(kOSSerializeBoolean | flags | (value ? 1 : 0)); }
    Writer& bytes(std::string_view raw) { return payload(raw.data(), raw.size()); }

    const Bytes& result() const { return m_bytes; }

private:
    Bytes m_bytes;
};

std::string refusal(const Bytes& bytes, const iolab::SerializationLimits& limits = {})
{
    auto result = decode(bytes, limits);
    if (result.ok())
        return "accepted";
    EXPECT_EQ(result.code(), kIOReturnBadArgument);
    EXPECT_EQ(result.error().message.rfind("OSSerializeBinary: byte ", 0), 0u) << result.error().message;
    return result.error().message;
}

#define EXPECT_REFUSED(bytes, reason)                                                                  \
    do {                                                                                               \
        const std::string message_ = refusal(bytes);                                                   \
        EXPECT_NE(message_.find(reason), std::string::npos) << "expected \"" << (reason) << "\" in: " \
                                                            << message_;                               \
    } while (0)

// --- byte layout -----------------------------------------------------------------

TEST(SerializeBinaryLayout, DictionaryWithOneNumber)
{
    // { "ab" = 0x12 (8 bits) }
    OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(1), OSNoRetain);
    OSSharedPtr<OSNumber> number(OSNumber::withNumber(0x12, 8), OSNoRetain);
    dict->setObject("ab", number.get());
    auto bytes = encode(dict.get());
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;

    const Bytes expected = {
        0xd3, 0x00, 0x00, 0x00,                         // signature
        0x01, 0x00, 0x00, 0x81,                         // dictionary, 1 entry, end (the root)
        0x03, 0x00, 0x00, 0x08, 'a', 'b', 0x00, 0x00,   // symbol of 3 bytes: "ab", NUL, one byte of padding
        0x08, 0x00, 0x00, 0x84,                         // number of 8 bits, end (last member)
        0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // its value in eight bytes
    };
    EXPECT_EQ(bytes.value(), expected);
    EXPECT_EQ(Writer().word(kOSSerializeDictionary | kEnd | 1).symbol("ab").number(0x12, 8, kEnd).result(), expected);

    auto back = decode(expected);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(iolab::test::treeDifference(dict.get(), back.value().get(), iolab::test::Compare::Exact), "");
}

TEST(SerializeBinaryLayout, SharedObjectsBecomeBackReferences)
{
    // [ "s", <the same "s">, true, <the same true>, {} ] with indexes counted in writing order.
    OSSharedPtr<OSArray> array(OSArray::withCapacity(5), OSNoRetain);
    OSSharedPtr<OSString> s(OSString::withCString("s"), OSNoRetain);
    OSSharedPtr<OSDictionary> empty(OSDictionary::withCapacity(0), OSNoRetain);
    array->setObject(s.get());
    array->setObject(s.get());
    array->setObject(kOSBooleanTrue);
    array->setObject(kOSBooleanTrue);
    array->setObject(empty.get());
    auto bytes = encode(array.get());
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;

    const Bytes expected = Writer()
                               .word(kOSSerializeArray | kEnd | 5) // object 0
                               .string("s")                        // object 1: no NUL for strings
                               .word(kOSSerializeObject | 1)
                               .boolean(true) // object 2
                               .word(kOSSerializeObject | 2)
                               .word(kOSSerializeDictionary | kEnd | 0) // object 3, empty, last
                               .result();
    EXPECT_EQ(bytes.value(), expected);

    auto back = decode(expected);
    ASSERT_TRUE(back.ok()) << back.error().message;
    auto* read = OSDynamicCast(OSArray, back.value().get());
    ASSERT_NE(read, nullptr);
    ASSERT_EQ(read->getCount(), 5u);
    EXPECT_EQ(read->getObject(0), read->getObject(1)) << "a back-reference is the same object";
    EXPECT_EQ(read->getObject(2), kOSBooleanTrue);
}

TEST(SerializeBinaryLayout, SetsSymbolsStringsDataAndWidths)
{
    const Bytes bytes = Writer()
                            .word(kOSSerializeDictionary | kEnd | 3)
                            .symbol("set")
                            .word(kOSSerializeSet | 2)
                            .number(0xffff, 16)
                            .number(0xffff, 32, kEnd)
                            .string("data")
                            .word(kOSSerializeData | 5)
                            .bytes("\x01\x02\x03\x04\x05")
                            .symbol("sym")
                            .symbol("value", kEnd)
                            .result();
    auto tree = decode(bytes);
    ASSERT_TRUE(tree.ok()) << tree.error().message;
    auto* dict = OSDynamicCast(OSDictionary, tree.value().get());
    ASSERT_NE(dict, nullptr);
    auto* set = OSDynamicCast(OSSet, dict->getObject("set"));
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->getCount(), 2u);
    EXPECT_NE(OSDynamicCast(OSSymbol, dict->getObject("sym")), nullptr);
    auto* data = OSDynamicCast(OSData, dict->getObject("data"));
    ASSERT_NE(data, nullptr);
    EXPECT_TRUE(data->isEqualTo("\x01\x02\x03\x04\x05", 5));
    // Encoding again gives the same words, except that the string key "data"
    // is now a symbol (dictionary keys always are).
    auto again = encode(tree.value().get());
    ASSERT_TRUE(again.ok());
    auto reread = decode(again.value());
    ASSERT_TRUE(reread.ok()) << reread.error().message;
    EXPECT_EQ(iolab::test::treeDifference(tree.value().get(), reread.value().get(), iolab::test::Compare::Exact), "");
}

// --- malformed input ----------------------------------------------------------------

TEST(SerializeBinary, EveryPrefixIsRefused)
{
    OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(3), OSNoRetain);
    OSSharedPtr<OSString> value(OSString::withCString("value"), OSNoRetain);
    OSSharedPtr<OSArray> array(OSArray::withCapacity(2), OSNoRetain);
    array->setObject(value.get());
    array->setObject(kOSBooleanFalse);
    dict->setObject("key", value.get());
    dict->setObject("list", array.get());
    auto bytes = encode(dict.get());
    ASSERT_TRUE(bytes.ok());
    for (size_t length = 0; length < bytes.value().size(); ++length) {
        const Bytes prefix(bytes.value().begin(), bytes.value().begin() + static_cast<long>(length));
        const std::string message = refusal(prefix);
        EXPECT_NE(message, "accepted") << "prefix of " << length << " bytes";
    }
}

TEST(SerializeBinary, HugeDeclaredCounts)
{
    EXPECT_REFUSED(Writer().word(kOSSerializeDictionary | kEnd | 0xFFFFFF).result(),
                   "byte 4: dictionary declares 16777215 members");
    EXPECT_REFUSED(Writer().word(kOSSerializeArray | kEnd | 0xFFFFFF).word(0).result(), "more than the input can hold");
    EXPECT_REFUSED(Writer().word(kOSSerializeString | kEnd | 0xFFFFFF).result(), "runs past the end of the input");
    EXPECT_REFUSED(Writer().word(kOSSerializeData | kEnd | 0xFFFFF0).bytes("abcd").result(), "runs past the end");
    // A count within the input that the members do not fill.
    EXPECT_REFUSED(Writer().word(kOSSerializeArray | kEnd | 3).boolean(true, kEnd).word(0).word(0).result(),
                   "end-of-collection flag before the declared count");
    iolab::SerializationLimits limits;
    limits.maxCollectionCount = 2;
    const std::string message =
        refusal(Writer().word(kOSSerializeArray | kEnd | 3).boolean(true).boolean(true).boolean(true, kEnd).result(),
                limits);
    EXPECT_NE(message.find("declares 3 members"), std::string::npos) << message;
}

TEST(SerializeBinary, DuplicateDictionaryKeys)
{
    EXPECT_REFUSED(Writer()
                       .word(kOSSerializeDictionary | kEnd | 2)
                       .symbol("a")
                       .boolean(true)
                       .string("a") // a string key equal to the symbol
                       .boolean(false, kEnd)
                       .result(),
                   "byte 20: duplicate dictionary key \"a\"");
}

TEST(SerializeBinary, BackReferenceCycles)
{
    EXPECT_REFUSED(Writer().word(kOSSerializeArray | kEnd | 1).word(kOSSerializeObject | kEnd | 0).result(),
                   "byte 8: back-reference to an enclosing collection (a cycle)");
    EXPECT_REFUSED(Writer()
                       .word(kOSSerializeDictionary | kEnd | 1)
                       .symbol("k")
                       .word(kOSSerializeSet | kEnd | 1)
                       .word(kOSSerializeObject | kEnd | 0)
                       .result(),
                   "a cycle");
    EXPECT_REFUSED(Writer().word(kOSSerializeArray | kEnd | 1).word(kOSSerializeObject | kEnd | 5).result(),
                   "back-reference to object 5 of 1 read so far");
    EXPECT_REFUSED(Writer().word(kOSSerializeObject | kEnd | 0).result(), "back-reference to object 0 of 0");
}

TEST(SerializeBinary, BillionLaughsThroughBackReferences)
{
    // Level k is an array of two references to level k-1: 2^40 objects once expanded.
    // Nested arrays whose second member refers back to the first.
    Writer nested;
    const int levels = 40;
    for (int i = 0; i < levels; ++i)
        nested.word(kOSSerializeArray | (i == 0 ? kEnd : 0) | 2);
    nested.string("lol").word(kOSSerializeObject | kEnd | static_cast<uint32_t>(levels));
    // After the innermost array (object `levels`, holding object levels+1) closes,
    // each enclosing array's second member refers to the array it just read.
    for (int i = levels - 1; i >= 1; --i)
        nested.word(kOSSerializeObject | kEnd | static_cast<uint32_t>(i));
    const std::string message = refusal(nested.result());
    EXPECT_NE(message.find("back-reference expands the tree past 33554432 objects"), std::string::npos) << message;

    // The same shape, shallow enough, is accepted and shares its subtrees.
    iolab::SerializationLimits limits;
    Writer small;
    for (int i = 0; i < 3; ++i)
        small.word(kOSSerializeArray | (i == 0 ? kEnd : 0) | 2);
    small.string("lol").word(kOSSerializeObject | kEnd | 3);
    small.word(kOSSerializeObject | kEnd | 2).word(kOSSerializeObject | kEnd | 1);
    auto result = decode(small.result(), limits);
    ASSERT_TRUE(result.ok()) << result.error().message;
    limits.maxElements = 14; // 1 + 2 * (1 + 2 * (1 + 2)) = 15 objects expanded
    EXPECT_FALSE(decode(small.result(), limits).ok());
    limits.maxElements = 15;
    EXPECT_TRUE(decode(small.result(), limits).ok());
}

TEST(SerializeBinary, BackReferenceToAStringKey)
{
    // A string key becomes a symbol in the dictionary; the string itself
    // must stay alive for the back-reference (found by fuzz_serialize_binary).
    const Bytes bytes = Writer()
                            .word(kOSSerializeArray | kEnd | 2)
                            .word(kOSSerializeDictionary | 1)
                            .string("key")
                            .boolean(true, kEnd)
                            .word(kOSSerializeObject | kEnd | 2)
                            .result();
    auto tree = decode(bytes);
    ASSERT_TRUE(tree.ok()) << tree.error().message;
    auto* array = OSDynamicCast(OSArray, tree.value().get());
    ASSERT_NE(array, nullptr);
    auto* key = OSDynamicCast(OSString, array->getObject(1));
    ASSERT_NE(key, nullptr);
    EXPECT_TRUE(key->isEqualTo("key"));
    EXPECT_EQ(iolab::test::serializeBinaryRoundTrip(bytes).failure, "");
}

TEST(SerializeBinary, TrailingGarbageAndMissingFlags)
{
    EXPECT_REFUSED(Writer().boolean(true, kEnd).bytes("junk").result(), "byte 8: 4 bytes after the root object");
    EXPECT_REFUSED(Writer().boolean(true).result(), "root object lacks the end-of-collection flag");
    EXPECT_REFUSED(Writer().word(kOSSerializeArray | kEnd | 2).boolean(true).boolean(true).result(),
                   "last member lacks the end-of-collection flag");
    EXPECT_REFUSED(Writer().word(kOSSerializeArray | kEnd | 2).boolean(true, kEnd).boolean(true, kEnd).result(),
                   "end-of-collection flag before the declared count");
}

TEST(SerializeBinary, BadObjects)
{
    EXPECT_REFUSED((Bytes{0xd3, 0x00, 0x00}), "byte 0: input too short");
    EXPECT_REFUSED((Bytes{'<', 'a', 'r', 'r', 'a', 'y', '>', 0}), "missing the signature d3 00 00 00");
    EXPECT_REFUSED(Writer().word(0x7F000000 | kEnd).result(), "byte 4: unknown type 0x7f");
    EXPECT_REFUSED(Writer().number(1, 0, kEnd).result(), "number width of 0 bits");
    EXPECT_REFUSED(Writer().number(1, 65, kEnd).result(), "number width of 65 bits");
    EXPECT_REFUSED(Writer().word(kOSSerializeNumber | kEnd | 32).bytes("1234").result(), "number of 8 bytes runs past");
    EXPECT_REFUSED(Writer().word(kOSSerializeSymbol | kEnd | 2).bytes("ab").result(), "symbol is not NUL-terminated");
    EXPECT_REFUSED(Writer().word(kOSSerializeSymbol | kEnd | 0).result(), "symbol is not NUL-terminated");
    EXPECT_REFUSED(Writer().string(std::string_view("a\0b", 3), kEnd).result(), "string contains a NUL byte");
    EXPECT_REFUSED(Writer().word(kOSSerializeBoolean | kEnd | 2).result(), "boolean value 2");
    EXPECT_REFUSED(Writer().word(kOSSerializeDictionary | kEnd | 1).number(1, 32).boolean(true, kEnd).result(),
                   "dictionary key is a number");
    EXPECT_REFUSED(Writer().word(kOSSerializeDictionary | kEnd | 1).symbol("k", kEnd).result(),
                   "dictionary ends after a key with no value");
    EXPECT_REFUSED(Writer()
                       .word(kOSSerializeArray | kEnd | 2)
                       .string("x")
                       .word(kOSSerializeDictionary | kEnd | 1)
                       .word(kOSSerializeObject | 2) // the dictionary itself as a key
                       .boolean(true, kEnd)
                       .result(),
                   "cycle");
    EXPECT_REFUSED(Writer().word(kOSSerializeSet | kEnd | 2).string("x").word(kOSSerializeObject | kEnd | 1).result(),
                   "the same object appears twice in a set");
}

TEST(SerializeBinary, DeepNesting)
{
    auto nested = [](int levels) {
        Writer writer;
        for (int i = 0; i < levels; ++i)
            writer.word(kOSSerializeArray | kEnd | (i + 1 == levels ? 0 : 1));
        return writer.result();
    };
    EXPECT_TRUE(decode(nested(256)).ok());
    EXPECT_REFUSED(nested(257), "nesting deeper than 256 levels");
    EXPECT_REFUSED(nested(100'000), "nesting deeper than 256 levels");
}

TEST(SerializeBinary, CStyleEntryPointReportsTheError)
{
    const Bytes bytes = Writer().boolean(true).result();
    OSString* error = nullptr;
    OSObject* object = OSUnserializeBinary(reinterpret_cast<const char*>(bytes.data()), bytes.size(), &error);
    EXPECT_EQ(object, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->getCStringNoCopy()).find("end-of-collection"), std::string::npos);
    error->release();
}

TEST(SerializeBinary, EncoderRefusesNullAndForeignObjects)
{
    EXPECT_FALSE(encode(nullptr).ok());
    OSSharedPtr<OSSerialize> foreign(OSSerialize::binaryWithCapacity(16), OSNoRetain);
    OSSharedPtr<OSArray> array(OSArray::withCapacity(1), OSNoRetain);
    array->setObject(foreign.get());
    EXPECT_FALSE(encode(array.get()).ok());
    auto xml = iolab::plist::toXML(array.get());
    ASSERT_FALSE(xml.ok());
    EXPECT_NE(xml.error().message.find("root/0: a OSSerialize cannot be written"), std::string::npos)
        << xml.error().message;
}

} // namespace
