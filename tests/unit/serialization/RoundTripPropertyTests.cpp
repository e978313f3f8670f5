// SPDX-License-Identifier: GPL-2.0-or-later
// Property tests: random trees (fixed seeds) written by each writer and read
// back by the matching reader come back equal.
#include "RandomTree.h"
#include "SerializationProperties.h"

#include <iolab/Serialization.h>

#include <gtest/gtest.h>

namespace {

using iolab::test::Compare;
using iolab::test::RandomTree;
using iolab::test::TreeShape;
using iolab::test::treeDifference;

constexpr uint64_t kSeed = 0x10ab5e71a1ULL;
constexpr int kTrees = 300;

TEST(SerializationRoundTrip, RandomTreesThroughXML)
{
    RandomTree trees(kSeed, TreeShape::propertyList());
    for (int i = 0; i < kTrees; ++i) {
        OSSharedPtr<OSObject> tree = trees.root();
        auto xml = iolab::plist::toXML(tree.get());
        ASSERT_TRUE(xml.ok()) << "tree " << i << ": " << xml.error().message;
        auto back = iolab::plist::fromXML(xml.value());
        ASSERT_TRUE(back.ok()) << "tree " << i << ": " << back.error().message << "\n" << xml.value();
        // isEqualTo is libkern's own notion of equality; the structural
        // comparison says where the trees differ when they do.
        EXPECT_TRUE(tree->isEqualTo(back.value().get()))
            << "tree " << i << ": " << treeDifference(tree.get(), back.value().get(), Compare::Values) << "\n"
            << xml.value();
    }
}

TEST(SerializationRoundTrip, RandomTreesThroughBinaryPlist)
{
    RandomTree trees(kSeed + 1, TreeShape::propertyList());
    for (int i = 0; i < kTrees; ++i) {
        OSSharedPtr<OSObject> tree = trees.root();
        auto bytes = iolab::plist::toBinary(tree.get());
        ASSERT_TRUE(bytes.ok()) << "tree " << i << ": " << bytes.error().message;
        auto back = iolab::plist::fromBinary(bytes.value());
        ASSERT_TRUE(back.ok()) << "tree " << i << ": " << back.error().message;
        EXPECT_TRUE(tree->isEqualTo(back.value().get()))
            << "tree " << i << ": " << treeDifference(tree.get(), back.value().get(), Compare::Values);
        // fromBytes tells the formats apart by the signature.
        auto sniffed = iolab::plist::fromBytes(bytes.value());
        ASSERT_TRUE(sniffed.ok()) << sniffed.error().message;
        EXPECT_TRUE(tree->isEqualTo(sniffed.value().get())) << "tree " << i;
    }
}

TEST(SerializationRoundTrip, RandomTreesThroughOSSerializeBinaryKeepWidthsSymbolsAndSets)
{
    RandomTree trees(kSeed + 2, TreeShape::everything());
    for (int i = 0; i < kTrees; ++i) {
        OSSharedPtr<OSObject> tree = trees.root();
        auto bytes = iolab::binary::encode(tree.get());
        ASSERT_TRUE(bytes.ok()) << "tree " << i << ": " << bytes.error().message;
        auto back = iolab::binary::decode(bytes.value());
        ASSERT_TRUE(back.ok()) << "tree " << i << ": " << back.error().message;
        // Exact: the class of every string, the width of every number and
        // sets as sets, which isEqualTo does not look at.
        EXPECT_EQ(treeDifference(tree.get(), back.value().get(), Compare::Exact), "") << "tree " << i;
        EXPECT_TRUE(tree->isEqualTo(back.value().get())) << "tree " << i;
        auto again = iolab::binary::encode(back.value().get());
        ASSERT_TRUE(again.ok()) << again.error().message;
        EXPECT_EQ(again.value(), bytes.value()) << "tree " << i << ": re-encoding changed the bytes";
    }
}

TEST(SerializationRoundTrip, CStyleEntryPointsReadBothFormats)
{
    RandomTree trees(kSeed + 3, TreeShape::everything());
    for (int i = 0; i < 20; ++i) {
        OSSharedPtr<OSObject> tree = trees.root();
        auto bytes = iolab::binary::encode(tree.get());
        ASSERT_TRUE(bytes.ok());
        OSString* error = nullptr;
        OSSharedPtr<OSObject> back(
            OSUnserializeXML(reinterpret_cast<const char*>(bytes.value().data()), bytes.value().size(), &error),
            OSNoRetain);
        ASSERT_TRUE(back) << (error ? error->getCStringNoCopy() : "");
        EXPECT_EQ(error, nullptr);
        EXPECT_EQ(treeDifference(tree.get(), back.get(), Compare::Exact), "");
    }
    RandomTree plainTrees(kSeed + 4, TreeShape{});
    for (int i = 0; i < 20; ++i) {
        OSSharedPtr<OSObject> tree = plainTrees.root();
        auto xml = iolab::plist::toXML(tree.get());
        ASSERT_TRUE(xml.ok());
        OSString* error = nullptr;
        OSSharedPtr<OSObject> back(OSUnserializeXML(xml.value().c_str(), &error), OSNoRetain);
        ASSERT_TRUE(back) << (error ? error->getCStringNoCopy() : "");
        EXPECT_TRUE(tree->isEqualTo(back.get()));
    }
}

TEST(SerializationRoundTrip, SetsAndOrderedSetsBecomeArraysInPropertyLists)
{
    OSSharedPtr<OSSet> set(OSSet::withCapacity(2), OSNoRetain);
    OSSharedPtr<OSString> one(OSString::withCString("one"), OSNoRetain);
    set->setObject(one.get());
    set->setObject(kOSBooleanTrue);
    auto xml = iolab::plist::toXML(set.get());
    ASSERT_TRUE(xml.ok()) << xml.error().message;
    auto back = iolab::plist::fromXML(xml.value());
    ASSERT_TRUE(back.ok()) << back.error().message;
    auto* array = OSDynamicCast(OSArray, back.value().get());
    ASSERT_NE(array, nullptr);
    ASSERT_EQ(array->getCount(), 2u);
    OSSharedPtr<OSSet> asSet(OSSet::withArray(array), OSNoRetain);
    EXPECT_EQ(treeDifference(set.get(), asSet.get(), Compare::Values), "");
}

TEST(SerializationRoundTrip, NumbersArePlistIntegersOfSixtyFourBits)
{
    OSSharedPtr<OSArray> array(OSArray::withCapacity(4), OSNoRetain);
    for (uint64_t value : {uint64_t(0), uint64_t(0x7f), ~uint64_t(0), uint64_t(1) << 63}) {
        OSSharedPtr<OSNumber> number(OSNumber::withNumber(value, 64), OSNoRetain);
        array->setObject(number.get());
    }
    OSSharedPtr<OSNumber> narrow(OSNumber::withNumber(0xff, 8), OSNoRetain);
    array->setObject(narrow.get());
    for (bool binary : {false, true}) {
        auto back = binary ? iolab::plist::fromBinary(iolab::plist::toBinary(array.get()).value())
                           : iolab::plist::fromXML(iolab::plist::toXML(array.get()).value());
        ASSERT_TRUE(back.ok()) << back.error().message;
        auto* read = OSDynamicCast(OSArray, back.value().get());
        ASSERT_NE(read, nullptr);
        ASSERT_EQ(read->getCount(), 5u);
        for (unsigned i = 0; i < 5; ++i) {
            auto* number = OSDynamicCast(OSNumber, read->getObject(i));
            ASSERT_NE(number, nullptr);
            EXPECT_EQ(number->numberOfBits(), 64u);
            EXPECT_EQ(number->unsigned64BitValue(), OSDynamicCast(OSNumber, array->getObject(i))->unsigned64BitValue());
        }
    }
}

TEST(SerializationRoundTrip, CarriageReturnSurvivesXMLAsACharacterReference)
{
    OSSharedPtr<OSString> text(OSString::withCString("line\r\nnext\r"), OSNoRetain);
    auto xml = iolab::plist::toXML(text.get());
    ASSERT_TRUE(xml.ok());
    EXPECT_EQ(xml.value().find('\r'), std::string::npos) << "a raw CR would be read back as LF by XML readers";
    EXPECT_NE(xml.value().find("&#13;"), std::string::npos);
    auto back = iolab::plist::fromXML(xml.value());
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(text->isEqualTo(back.value().get()));
}

TEST(SerializationRoundTrip, WritersRefuseStringsTheFormatCannotHold)
{
    OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(1), OSNoRetain);
    OSSharedPtr<OSString> control(OSString::withStringView("bell\a"), OSNoRetain);
    dict->setObject("sound", control.get());
    auto xml = iolab::plist::toXML(dict.get());
    ASSERT_FALSE(xml.ok());
    EXPECT_NE(xml.error().message.find("root/sound"), std::string::npos) << xml.error().message;
    EXPECT_NE(xml.error().message.find("control character"), std::string::npos) << xml.error().message;
    // A binary plist holds control characters.
    auto binary = iolab::plist::toBinary(dict.get());
    ASSERT_TRUE(binary.ok()) << binary.error().message;
    auto back = iolab::plist::fromBinary(binary.value());
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_TRUE(dict->isEqualTo(back.value().get()));

    OSSharedPtr<OSString> broken(OSString::withStringView("caf\xc3"), OSNoRetain);
    for (bool binaryFormat : {false, true}) {
        const auto message = binaryFormat ? iolab::plist::toBinary(broken.get()).error().message
                                          : iolab::plist::toXML(broken.get()).error().message;
        EXPECT_NE(message.find("UTF-8"), std::string::npos) << message;
    }
}

TEST(SerializationRoundTrip, EncoderRefusesTreesDeeperThanItsLimit)
{
    OSSharedPtr<OSArray> root(OSArray::withCapacity(1), OSNoRetain);
    OSArray* current = root.get();
    for (int i = 0; i < 2000; ++i) {
        OSSharedPtr<OSArray> child(OSArray::withCapacity(1), OSNoRetain);
        current->setObject(child.get());
        current = child.get();
    }
    auto bytes = iolab::binary::encode(root.get());
    ASSERT_FALSE(bytes.ok());
    EXPECT_NE(bytes.error().message.find("deeper"), std::string::npos) << bytes.error().message;
    auto xml = iolab::plist::toXML(root.get());
    ASSERT_FALSE(xml.ok());
    EXPECT_NE(xml.error().message.find("nesting deeper"), std::string::npos) << xml.error().message;
}

} // namespace
