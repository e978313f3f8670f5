// SPDX-License-Identifier: GPL-2.0-or-later
// The value classes: OSNumber, OSString, OSData, OSBoolean, and isEqualTo on
// every libkern class.
#include "TestClasses.h"

#include <libkern/c++/OSContainers.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

// Spec 01 §3 item 21: OSNumber holds 64-bit values.
TEST(OSNumber, Item21_Holds64BitValues)
{
    constexpr unsigned long long kBig = 0xfedcba9876543210ULL;
    OSNumber* number = OSNumber::withNumber(kBig, 64);
    ASSERT_NE(number, nullptr);
    EXPECT_EQ(number->unsigned64BitValue(), kBig);
    EXPECT_EQ(number->unsigned32BitValue(), 0x76543210u);
    EXPECT_EQ(number->unsigned16BitValue(), 0x3210u);
    EXPECT_EQ(number->unsigned8BitValue(), 0x10u);
    EXPECT_EQ(number->numberOfBits(), 64u);
    EXPECT_EQ(number->numberOfBytes(), 8u);
    number->setValue(~0ULL);
    EXPECT_EQ(number->unsigned64BitValue(), ~0ULL);
    number->release();
}

TEST(OSNumber, WidthsTruncateAndReportBytes)
{
    struct Case {
        unsigned bits;
        unsigned long long stored;
        unsigned bytes;
    };
    constexpr unsigned long long kInput = 0x1122334455667788ULL;
    const std::array<Case, 6> cases{{
        {8, 0x88, 1},
        {16, 0x7788, 2},
        {32, 0x55667788, 4},
        {64, kInput, 8},
        {12, 0x788, 2},
        {1, 0x0, 1},
    }};
    for (const Case& c : cases) {
        OSNumber* number = OSNumber::withNumber(kInput, c.bits);
        ASSERT_NE(number, nullptr) << c.bits;
        EXPECT_EQ(number->numberOfBits(), c.bits);
        EXPECT_EQ(number->numberOfBytes(), c.bytes) << c.bits;
        EXPECT_EQ(number->unsigned64BitValue(), c.stored) << c.bits;
        number->release();
    }
    EXPECT_EQ(OSNumber::withNumber(1ULL, 0), nullptr);
    EXPECT_EQ(OSNumber::withNumber(1ULL, 65), nullptr);
}

TEST(OSNumber, AddValueWrapsAtItsWidth)
{
    OSNumber* byte = OSNumber::withNumber(0xff, 8);
    ASSERT_NE(byte, nullptr);
    byte->addValue(1);
    EXPECT_EQ(byte->unsigned64BitValue(), 0u);
    byte->addValue(-1);
    EXPECT_EQ(byte->unsigned8BitValue(), 0xffu);
    EXPECT_EQ(byte->unsigned64BitValue(), 0xffu) << "no bits above the width";
    byte->addValue(0x102);
    EXPECT_EQ(byte->unsigned64BitValue(), 0x01u);
    byte->setValue(0x1234);
    EXPECT_EQ(byte->unsigned64BitValue(), 0x34u) << "setValue truncates too";
    byte->release();

    OSNumber* half = OSNumber::withNumber(0xfffe, 16);
    ASSERT_NE(half, nullptr);
    half->addValue(3);
    EXPECT_EQ(half->unsigned16BitValue(), 1u);
    half->release();

    OSNumber* wide = OSNumber::withNumber(~0ULL, 64);
    ASSERT_NE(wide, nullptr);
    wide->addValue(2);
    EXPECT_EQ(wide->unsigned64BitValue(), 1u);
    wide->addValue(-2);
    EXPECT_EQ(wide->unsigned64BitValue(), ~0ULL);
    wide->release();
}

TEST(OSNumber, ParsesText)
{
    struct Case {
        const char* text;
        unsigned bits;
        unsigned long long value;
    };
    for (const Case& c : {Case{"42", 32, 42}, Case{"0x1F", 32, 0x1f}, Case{"017", 32, 15},
                          Case{"0x1ff", 8, 0xff}, Case{"18446744073709551615", 64, ~0ULL}}) {
        OSNumber* number = OSNumber::withNumber(c.text, c.bits);
        ASSERT_NE(number, nullptr) << c.text;
        EXPECT_EQ(number->unsigned64BitValue(), c.value) << c.text;
        number->release();
    }
    for (const char* bad : {"", "12abc", "0x", "99999999999999999999"})
        EXPECT_EQ(OSNumber::withNumber(bad, 32), nullptr) << bad;
    EXPECT_EQ(OSNumber::withNumber(static_cast<const char*>(nullptr), 32), nullptr);
}

TEST(OSNumber, IsEqualToComparesValuesAcrossWidths)
{
    OSNumber* a = OSNumber::withNumber(300, 32);
    OSNumber* b = OSNumber::withNumber(300, 64);
    OSNumber* c = OSNumber::withNumber(301, 32);
    OSNumber* truncated = OSNumber::withNumber(300, 8); // 300 & 0xff == 44
    ASSERT_TRUE(a && b && c && truncated);
    EXPECT_TRUE(a->isEqualTo(b));
    EXPECT_TRUE(b->isEqualTo(static_cast<const OSMetaClassBase*>(a)));
    EXPECT_FALSE(a->isEqualTo(c));
    EXPECT_FALSE(a->isEqualTo(truncated));
    EXPECT_FALSE(a->isEqualTo(static_cast<const OSNumber*>(nullptr)));
    OSString* text = OSString::withCString("300");
    EXPECT_FALSE(a->isEqualTo(static_cast<const OSMetaClassBase*>(text)));
    text->release();
    a->release();
    b->release();
    c->release();
    truncated->release();
}

TEST(OSString, SetCharAndGetChar)
{
    OSString* string = OSString::withCString("abc");
    ASSERT_NE(string, nullptr);
    EXPECT_EQ(string->getLength(), 3u);
    EXPECT_EQ(string->getChar(0), 'a');
    EXPECT_EQ(string->getChar(2), 'c');
    EXPECT_EQ(string->getChar(3), '\0') << "past the end";
    EXPECT_EQ(string->getChar(1000), '\0');

    EXPECT_TRUE(string->setChar('X', 1));
    EXPECT_STREQ(string->getCStringNoCopy(), "aXc");
    EXPECT_EQ(string->getChar(1), 'X');
    EXPECT_FALSE(string->setChar('Y', 3)) << "out of range";
    EXPECT_FALSE(string->setChar('\0', 0)) << "would shorten the string";
    EXPECT_STREQ(string->getCStringNoCopy(), "aXc");
    EXPECT_EQ(string->getLength(), 3u);
    string->release();

    OSString* frozen = OSString::withCStringNoCopy("frozen");
    ASSERT_NE(frozen, nullptr);
    EXPECT_FALSE(frozen->setChar('F', 0)) << "NoCopy strings are immutable";
    EXPECT_STREQ(frozen->getCStringNoCopy(), "frozen");
    frozen->release();
}

TEST(OSString, Creation)
{
    EXPECT_EQ(OSString::withCString(nullptr), nullptr);
    EXPECT_EQ(OSString::withString(nullptr), nullptr);
    EXPECT_EQ(OSString::withStringView(std::string_view("a\0b", 3)), nullptr) << "embedded NUL";

    OSString* original = OSString::withCString("copy me");
    OSString* copy = OSString::withString(original);
    ASSERT_TRUE(original && copy);
    EXPECT_NE(copy, original);
    EXPECT_TRUE(copy->isEqualTo(original));
    EXPECT_TRUE(original->setChar('C', 0));
    EXPECT_STREQ(copy->getCStringNoCopy(), "copy me") << "withString copies the text";
    EXPECT_EQ(copy->view(), std::string_view("copy me"));

    OSString* fromView = OSString::withStringView(std::string_view("view-with-tail", 4));
    ASSERT_NE(fromView, nullptr);
    EXPECT_STREQ(fromView->getCStringNoCopy(), "view");
    original->release();
    copy->release();
    fromView->release();
}

TEST(OSString, IsEqualTo)
{
    OSString* string = OSString::withCString("abc");
    OSString* same = OSString::withCString("abc");
    OSString* other = OSString::withCString("abd");
    OSData* bytes = OSData::withBytes("abc", 3);
    OSData* bytesWithNul = OSData::withBytes("abc", 4);
    OSData* longer = OSData::withBytes("abcd", 4);
    OSData* shorter = OSData::withBytes("ab", 2);
    ASSERT_TRUE(string && same && other && bytes && bytesWithNul && longer && shorter);

    EXPECT_TRUE(string->isEqualTo(same));
    EXPECT_FALSE(string->isEqualTo(other));
    EXPECT_FALSE(string->isEqualTo(static_cast<const OSString*>(nullptr)));
    EXPECT_TRUE(string->isEqualTo("abc"));
    EXPECT_FALSE(string->isEqualTo("ab"));
    EXPECT_FALSE(string->isEqualTo(static_cast<const char*>(nullptr)));

    // isEqualTo(OSData): the bytes, with or without one trailing NUL.
    EXPECT_TRUE(string->isEqualTo(bytes));
    EXPECT_TRUE(string->isEqualTo(bytesWithNul));
    EXPECT_FALSE(string->isEqualTo(longer));
    EXPECT_FALSE(string->isEqualTo(shorter));
    EXPECT_FALSE(string->isEqualTo(static_cast<const OSData*>(nullptr)));
    // The generic overload dispatches on the other object's class.
    EXPECT_TRUE(string->isEqualTo(static_cast<const OSMetaClassBase*>(bytes)));
    EXPECT_TRUE(string->isEqualTo(static_cast<const OSMetaClassBase*>(same)));
    EXPECT_FALSE(string->isEqualTo(static_cast<const OSMetaClassBase*>(kOSBooleanTrue)));
    EXPECT_FALSE(string->isEqualTo(static_cast<const OSMetaClassBase*>(nullptr)));

    for (OSObject* object : std::initializer_list<OSObject*>{string, same, other, bytes, bytesWithNul, longer, shorter})
        object->release();
}

TEST(OSData, AppendAndEnsureCapacity)
{
    OSData* data = OSData::withCapacity(4);
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->getLength(), 0u);
    EXPECT_GE(data->getCapacity(), 4u);
    EXPECT_EQ(data->getBytesNoCopy(), nullptr) << "empty data has no bytes";

    EXPECT_TRUE(data->appendBytes("abc", 3));
    EXPECT_TRUE(data->appendBytes("defgh", 5));
    EXPECT_EQ(data->getLength(), 8u);
    EXPECT_GE(data->getCapacity(), 8u);
    EXPECT_EQ(std::memcmp(data->getBytesNoCopy(), "abcdefgh", 8), 0);

    EXPECT_TRUE(data->appendByte(0x5a, 3));
    EXPECT_TRUE(data->appendBytes(nullptr, 2)) << "NULL appends zeros";
    const unsigned char expected[] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0x5a, 0x5a, 0x5a, 0, 0};
    ASSERT_EQ(data->getLength(), sizeof expected);
    EXPECT_TRUE(data->isEqualTo(expected, sizeof expected));

    const unsigned int grown = data->ensureCapacity(1000);
    EXPECT_GE(grown, 1000u);
    EXPECT_EQ(data->getCapacity(), grown);
    EXPECT_EQ(data->ensureCapacity(10), grown) << "never shrinks";
    EXPECT_TRUE(data->isEqualTo(expected, sizeof expected)) << "growing keeps the bytes";

    OSData* tail = OSData::withBytes("XY", 2);
    ASSERT_NE(tail, nullptr);
    EXPECT_TRUE(data->appendBytes(tail));
    EXPECT_EQ(data->getLength(), sizeof expected + 2);
    EXPECT_EQ(std::memcmp(data->getBytesNoCopy(sizeof expected, 2), "XY", 2), 0);
    EXPECT_EQ(data->getBytesNoCopy(sizeof expected, 3), nullptr) << "range past the end";
    EXPECT_EQ(data->getBytesNoCopy(100, 1), nullptr);
    EXPECT_FALSE(data->appendBytes(static_cast<const OSData*>(nullptr)));
    EXPECT_EQ(data->bytes().size(), sizeof expected + 2);

    // Appending the data to itself doubles it.
    OSData* twice = OSData::withBytes("ab", 2);
    ASSERT_NE(twice, nullptr);
    EXPECT_TRUE(twice->appendBytes(twice));
    EXPECT_TRUE(twice->isEqualTo("abab", 4));

    twice->release();
    tail->release();
    data->release();
}

TEST(OSData, EmptyDataEdgeCases)
{
    OSData* empty = OSData::withCapacity(0);
    ASSERT_NE(empty, nullptr);
    EXPECT_TRUE(empty->appendByte(0x11, 0));
    EXPECT_TRUE(empty->appendBytes("ignored", 0));
    EXPECT_EQ(empty->getLength(), 0u);
    EXPECT_EQ(empty->getBytesNoCopy(), nullptr);

    OSString* emptyString = OSString::withCString("");
    ASSERT_NE(emptyString, nullptr);
    EXPECT_TRUE(emptyString->isEqualTo(empty));
    EXPECT_TRUE(empty->isEqualTo(emptyString));
    OSString* nonEmpty = OSString::withCString("z");
    EXPECT_FALSE(nonEmpty->isEqualTo(empty));

    EXPECT_TRUE(empty->appendByte(0x11, 2));
    EXPECT_TRUE(empty->isEqualTo("\x11\x11", 2));
    nonEmpty->release();
    emptyString->release();
    empty->release();
}

TEST(OSData, WithBytesNoCopyWrapsUntilTheFirstAppend)
{
    char buffer[] = {'w', 'r', 'a', 'p'};
    OSData* data = OSData::withBytesNoCopy(buffer, sizeof buffer);
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->getBytesNoCopy(), buffer) << "no copy is made";
    EXPECT_EQ(data->getLength(), 4u);
    buffer[0] = 'W';
    EXPECT_EQ(static_cast<const char*>(data->getBytesNoCopy())[0], 'W') << "changes to the memory show through";

    EXPECT_TRUE(data->appendBytes("!", 1));
    EXPECT_NE(data->getBytesNoCopy(), buffer) << "the append copied into owned storage";
    EXPECT_TRUE(data->isEqualTo("Wrap!", 5));
    EXPECT_EQ(std::memcmp(buffer, "Wrap", 4), 0) << "the caller's memory is not written";
    buffer[1] = 'R';
    EXPECT_TRUE(data->isEqualTo("Wrap!", 5)) << "the copy no longer aliases the buffer";
    data->release();

    // ensureCapacity also copies wrapped memory before it could be written.
    char second[] = {'x', 'y'};
    OSData* wrapped = OSData::withBytesNoCopy(second, sizeof second);
    ASSERT_NE(wrapped, nullptr);
    EXPECT_GE(wrapped->ensureCapacity(64), 64u);
    EXPECT_NE(wrapped->getBytesNoCopy(), second);
    EXPECT_TRUE(wrapped->isEqualTo("xy", 2));
    wrapped->release();
}

TEST(OSData, CopiesAndSubranges)
{
    OSData* data = OSData::withBytes("0123456789", 10);
    ASSERT_NE(data, nullptr);
    OSData* copy = OSData::withData(data);
    ASSERT_NE(copy, nullptr);
    EXPECT_NE(copy->getBytesNoCopy(), data->getBytesNoCopy());
    EXPECT_TRUE(copy->isEqualTo(data));

    OSData* middle = OSData::withData(data, 3, 4);
    ASSERT_NE(middle, nullptr);
    EXPECT_TRUE(middle->isEqualTo("3456", 4));
    EXPECT_EQ(OSData::withData(data, 8, 5), nullptr);
    OSData* emptyTail = OSData::withData(data, 10, 0);
    ASSERT_NE(emptyTail, nullptr);
    EXPECT_EQ(emptyTail->getLength(), 0u);
    EXPECT_EQ(OSData::withData(nullptr), nullptr);
    EXPECT_EQ(OSData::withBytes(nullptr, 3), nullptr);

    EXPECT_FALSE(copy->isEqualTo(middle));
    EXPECT_FALSE(data->isEqualTo("0123456780", 10));
    EXPECT_TRUE(emptyTail->isEqualTo(nullptr, 0));

    // OSData compares with strings the same way strings compare with data.
    OSString* text = OSString::withCString("3456");
    EXPECT_TRUE(middle->isEqualTo(text));
    EXPECT_TRUE(middle->isEqualTo(static_cast<const OSMetaClassBase*>(text)));
    EXPECT_FALSE(data->isEqualTo(text));
    EXPECT_FALSE(data->isEqualTo(static_cast<const OSMetaClassBase*>(kOSBooleanFalse)));
    text->release();

    for (OSData* d : {data, copy, middle, emptyTail})
        d->release();
}

TEST(OSBoolean, SingletonsIgnoreReferenceCounting)
{
    ASSERT_NE(kOSBooleanTrue, nullptr);
    ASSERT_NE(kOSBooleanFalse, nullptr);
    EXPECT_NE(kOSBooleanTrue, kOSBooleanFalse);
    EXPECT_EQ(OSBoolean::withBoolean(true), kOSBooleanTrue);
    EXPECT_EQ(OSBoolean::withBoolean(false), kOSBooleanFalse);
    EXPECT_TRUE(kOSBooleanTrue->isTrue());
    EXPECT_FALSE(kOSBooleanTrue->isFalse());
    EXPECT_TRUE(kOSBooleanFalse->isFalse());
    EXPECT_FALSE(kOSBooleanFalse->getValue());

    kOSBooleanTrue->retain();
    kOSBooleanTrue->release();
    kOSBooleanTrue->release();
    EXPECT_EQ(kOSBooleanTrue->getRetainCount(), 1);
    EXPECT_TRUE(kOSBooleanTrue->isTrue()) << "still alive after an extra release";

    OSArray* array = OSArray::withCapacity(1);
    ASSERT_NE(array, nullptr);
    array->setObject(kOSBooleanFalse);
    array->release();
    EXPECT_TRUE(kOSBooleanFalse->isFalse());

    EXPECT_TRUE(kOSBooleanTrue->isEqualTo(kOSBooleanTrue));
    EXPECT_FALSE(kOSBooleanTrue->isEqualTo(kOSBooleanFalse));
    EXPECT_FALSE(kOSBooleanTrue->isEqualTo(static_cast<const OSMetaClassBase*>(nullptr)));
    EXPECT_EQ(OSDynamicCast(OSBoolean, static_cast<OSObject*>(kOSBooleanTrue)), kOSBooleanTrue);
}

TEST(OSCollection, IsEqualToOnEveryCollection)
{
    OSString* a1 = OSString::withCString("a");
    OSString* a2 = OSString::withCString("a");
    OSString* b = OSString::withCString("b");
    OSNumber* n = OSNumber::withNumber(7, 32);
    ASSERT_TRUE(a1 && a2 && b && n);

    // Arrays: element-wise by value, in order.
    const OSObject* ab1[] = {a1, b};
    const OSObject* ab2[] = {a2, b};
    const OSObject* ba[] = {b, a1};
    OSArray* arrayAB1 = OSArray::withObjects(ab1, 2);
    OSArray* arrayAB2 = OSArray::withObjects(ab2, 2);
    OSArray* arrayBA = OSArray::withObjects(ba, 2);
    OSArray* arrayA = OSArray::withObjects(ab1, 1);
    ASSERT_TRUE(arrayAB1 && arrayAB2 && arrayBA && arrayA);
    EXPECT_TRUE(arrayAB1->isEqualTo(arrayAB2));
    EXPECT_TRUE(arrayAB1->isEqualTo(static_cast<const OSMetaClassBase*>(arrayAB2)));
    EXPECT_FALSE(arrayAB1->isEqualTo(arrayBA)) << "order matters";
    EXPECT_FALSE(arrayAB1->isEqualTo(arrayA));
    EXPECT_FALSE(arrayAB1->isEqualTo(static_cast<const OSMetaClassBase*>(a1)));

    // Sets: same values in any order.
    OSSet* setAB1 = OSSet::withObjects(ab1, 2);
    OSSet* setBA = OSSet::withObjects(ba, 2);
    OSSet* setA2B = OSSet::withObjects(ab2, 2);
    OSSet* setA = OSSet::withObjects(ab1, 1);
    ASSERT_TRUE(setAB1 && setBA && setA2B && setA);
    EXPECT_TRUE(setAB1->isEqualTo(setBA));
    EXPECT_TRUE(setAB1->isEqualTo(setA2B)) << "values, not identities";
    EXPECT_FALSE(setAB1->isEqualTo(setA));
    EXPECT_FALSE(setAB1->isEqualTo(static_cast<const OSMetaClassBase*>(arrayAB1)));

    // Ordered sets: values in order.
    OSOrderedSet* orderedAB = OSOrderedSet::withCapacity(2);
    OSOrderedSet* orderedA2B = OSOrderedSet::withCapacity(2);
    OSOrderedSet* orderedBA = OSOrderedSet::withCapacity(2);
    ASSERT_TRUE(orderedAB && orderedA2B && orderedBA);
    orderedAB->setObject(a1);
    orderedAB->setObject(b);
    orderedA2B->setObject(a2);
    orderedA2B->setObject(b);
    orderedBA->setObject(b);
    orderedBA->setObject(a1);
    EXPECT_TRUE(orderedAB->isEqualTo(orderedA2B));
    EXPECT_FALSE(orderedAB->isEqualTo(orderedBA));
    EXPECT_FALSE(orderedAB->isEqualTo(static_cast<const OSMetaClassBase*>(setAB1)));

    // Dictionaries: same keys with equal values, whatever the insertion order.
    OSDictionary* dict1 = OSDictionary::withCapacity(2);
    OSDictionary* dict2 = OSDictionary::withCapacity(2);
    OSDictionary* dict3 = OSDictionary::withCapacity(2);
    ASSERT_TRUE(dict1 && dict2 && dict3);
    dict1->setObject("x", a1);
    dict1->setObject("y", n);
    dict2->setObject("y", n);
    dict2->setObject("x", a2);
    dict3->setObject("x", a1);
    dict3->setObject("y", b);
    EXPECT_TRUE(dict1->isEqualTo(dict2));
    EXPECT_FALSE(dict1->isEqualTo(dict3));
    EXPECT_FALSE(dict1->isEqualTo(static_cast<const OSMetaClassBase*>(arrayAB1)));
    // Restricted to a list of keys.
    const OSSymbol* xKey = OSSymbol::withCString("x");
    const OSObject* onlyX[] = {xKey};
    OSArray* keys = OSArray::withObjects(onlyX, 1);
    ASSERT_NE(keys, nullptr);
    EXPECT_TRUE(dict1->isEqualTo(dict3, keys));
    keys->setObject(kOSBooleanTrue);
    EXPECT_FALSE(dict1->isEqualTo(dict3, keys)) << "a key that is not a string";
    keys->release();
    xKey->release();

    for (OSObject* object : std::initializer_list<OSObject*>{arrayAB1, arrayAB2, arrayBA, arrayA, setAB1, setBA,
                                                             setA2B, setA, orderedAB, orderedA2B, orderedBA, dict1,
                                                             dict2, dict3})
        object->release();
    EXPECT_EQ(a1->getRetainCount(), 1);
    EXPECT_EQ(b->getRetainCount(), 1);
    a1->release();
    a2->release();
    b->release();
    n->release();
}
