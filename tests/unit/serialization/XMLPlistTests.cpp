// SPDX-License-Identifier: GPL-2.0-or-later
// The XML property-list reader: what it accepts (and reads as Apple's parser
// would), and malformed documents, each refused with a line and column.
#include "SerializationProperties.h"

#include <iolab/Serialization.h>

#include <gtest/gtest.h>

#include <string>

namespace {

using iolab::plist::fromXML;

std::string document(const std::string& body)
{
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n" + body + "\n</plist>";
}

/// The error of a document that must be refused, with a position.
std::string refusal(std::string_view text, const iolab::SerializationLimits& limits = {})
{
    auto result = fromXML(text, limits);
    if (result.ok())
        return "accepted";
    EXPECT_EQ(result.code(), kIOReturnBadArgument);
    EXPECT_NE(result.error().message.find("line "), std::string::npos) << result.error().message;
    EXPECT_NE(result.error().message.find("column "), std::string::npos) << result.error().message;
    return result.error().message;
}

#define EXPECT_REFUSED(text, reason)                                                                   \
    do {                                                                                               \
        const std::string message_ = refusal(text);                                                    \
        EXPECT_NE(message_.find(reason), std::string::npos) << "expected \"" << (reason) << "\" in: " \
                                                            << message_;                               \
    } while (0)

uint64_t number(const OSObject* object)
{
    auto* value = OSDynamicCast(OSNumber, object);
    EXPECT_NE(value, nullptr);
    return value ? value->unsigned64BitValue() : 0;
}

std::string text(const OSObject* object)
{
    auto* value = OSDynamicCast(OSString, object);
    EXPECT_NE(value, nullptr);
    return value ? std::string(value->view()) : "";
}

// --- what is accepted --------------------------------------------------------

TEST(XMLPlist, ReadsEveryKindOfValue)
{
    auto result = fromXML(document(R"(<dict>
  <key>s</key><string>a &lt;&amp;&gt; &quot;&apos; &#65;&#x42;&#x263A;</string>
  <key>cdata</key><string><![CDATA[<raw & text>]]> and more</string>
  <key>i</key><integer>-1</integer>
  <key>hex</key><integer>0x1F</integer>
  <key>r</key><real>0.1</real>
  <key>d</key><date>2024-01-02T03:04:05Z</date>
  <key>t</key><true/>
  <key>f</key><false></false>
  <key>data</key><data>AAEC
    Aw==</data>
  <key>none</key><data/>
  <key></key><string/>
  <key>a</key><array><dict/><array/></array>
</dict>)"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    auto* dict = OSDynamicCast(OSDictionary, result.value().get());
    ASSERT_NE(dict, nullptr);
    EXPECT_EQ(text(dict->getObject("s")), "a <&> \"' AB\xe2\x98\xba");
    EXPECT_EQ(text(dict->getObject("cdata")), "<raw & text> and more");
    EXPECT_EQ(number(dict->getObject("i")), ~uint64_t(0));
    EXPECT_EQ(number(dict->getObject("hex")), 31u);
    EXPECT_EQ(text(dict->getObject("r")), "0.1");
    EXPECT_EQ(text(dict->getObject("d")), "2024-01-02T03:04:05Z");
    EXPECT_EQ(dict->getObject("t"), kOSBooleanTrue);
    EXPECT_EQ(dict->getObject("f"), kOSBooleanFalse);
    auto* data = OSDynamicCast(OSData, dict->getObject("data"));
    ASSERT_NE(data, nullptr);
    EXPECT_TRUE(data->isEqualTo("\x00\x01\x02\x03", 4));
    auto* none = OSDynamicCast(OSData, dict->getObject("none"));
    ASSERT_NE(none, nullptr);
    EXPECT_EQ(none->getLength(), 0u);
    EXPECT_EQ(text(dict->getObject("")), "");
    EXPECT_NE(OSDynamicCast(OSArray, dict->getObject("a")), nullptr);
}

TEST(XMLPlist, IntegersWithLeadingZerosAreDecimal)
{
    // libplist alone would read "010" as octal 8 and "08" as 0.
    auto result = fromXML("<array><integer>010</integer><integer> 08 </integer><integer>-007</integer>"
                          "<integer>+0010</integer><integer>000</integer><integer>0x010</integer></array>");
    ASSERT_TRUE(result.ok()) << result.error().message;
    auto* array = OSDynamicCast(OSArray, result.value().get());
    ASSERT_NE(array, nullptr);
    ASSERT_EQ(array->getCount(), 6u);
    EXPECT_EQ(number(array->getObject(0)), 10u);
    EXPECT_EQ(number(array->getObject(1)), 8u);
    EXPECT_EQ(number(array->getObject(2)), uint64_t(-7));
    EXPECT_EQ(number(array->getObject(3)), 10u);
    EXPECT_EQ(number(array->getObject(4)), 0u);
    EXPECT_EQ(number(array->getObject(5)), 16u);
}

TEST(XMLPlist, IntegerLimits)
{
    auto result = fromXML("<array><integer>18446744073709551615</integer><integer>-9223372036854775808</integer>"
                          "<integer>0xFFFFFFFFFFFFFFFF</integer></array>");
    ASSERT_TRUE(result.ok()) << result.error().message;
    auto* array = OSDynamicCast(OSArray, result.value().get());
    EXPECT_EQ(number(array->getObject(0)), ~uint64_t(0));
    EXPECT_EQ(number(array->getObject(1)), uint64_t(1) << 63);
    EXPECT_EQ(number(array->getObject(2)), ~uint64_t(0));
}

TEST(XMLPlist, BareValuesAsOSUnserializeXMLTakesThem)
{
    auto result = fromXML("<string>bare</string>");
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(text(result.value().get()), "bare");
    auto withProlog = fromXML("<?xml version=\"1.0\"?>\n<!-- note --><array><integer>010</integer></array>\n");
    ASSERT_TRUE(withProlog.ok()) << withProlog.error().message;
    EXPECT_EQ(number(OSDynamicCast(OSArray, withProlog.value().get())->getObject(0)), 10u);
}

TEST(XMLPlist, DatesAtTheEdgesOfWhatLibplistHolds)
{
    for (const char* date : {"1932-12-13T20:45:52Z", "2069-01-19T03:14:07Z", "2000-02-29T00:00:00Z"}) {
        auto result = fromXML(std::string("<date>") + date + "</date>");
        ASSERT_TRUE(result.ok()) << date << ": " << result.error().message;
        EXPECT_EQ(text(result.value().get()), date);
    }
}

// --- what is refused -----------------------------------------------------------

TEST(XMLPlist, EveryPrefixOfADocumentIsRefused)
{
    const std::string full = document(R"(<dict>
	<key>name</key>
	<string>caf&#xE9; &amp; more</string>
	<key>list</key>
	<array><integer>42</integer><data>AAEC</data><true/></array>
</dict>)");
    ASSERT_TRUE(fromXML(full).ok());
    for (size_t length = 0; length < full.size(); ++length) {
        auto result = fromXML(std::string_view(full).substr(0, length));
        ASSERT_FALSE(result.ok()) << "prefix of " << length << " bytes was accepted";
        EXPECT_NE(result.error().message.find("line "), std::string::npos) << result.error().message;
    }
}

TEST(XMLPlist, AMillionNestedArraysAreRefusedQuickly)
{
    std::string deep;
    deep.reserve(7'000'000 * 2);
    for (int i = 0; i < 1'000'000; ++i)
        deep += "<array>";
    for (int i = 0; i < 1'000'000; ++i)
        deep += "</array>";
    const std::string message = refusal(deep);
    EXPECT_NE(message.find("nesting deeper than 256"), std::string::npos) << message;
    EXPECT_NE(message.find("line 1, column 1793"), std::string::npos) << message; // the 257th <array>
}

TEST(XMLPlist, DepthLimitIsExact)
{
    auto nested = [](int levels) {
        std::string text;
        for (int i = 0; i < levels; ++i)
            text += "<array>";
        for (int i = 0; i < levels; ++i)
            text += "</array>";
        return text;
    };
    EXPECT_TRUE(fromXML(nested(256)).ok());
    EXPECT_FALSE(fromXML(nested(257)).ok());
    iolab::SerializationLimits shallow;
    shallow.maxDepth = 3;
    EXPECT_TRUE(fromXML(nested(3), shallow).ok());
    EXPECT_FALSE(fromXML(nested(4), shallow).ok());
}

TEST(XMLPlist, InvalidUTF8)
{
    EXPECT_REFUSED(document("<string>\xc3\x28</string>"), "UTF-8");
    EXPECT_REFUSED(document("<string>\xc0\xaf</string>"), "overlong");
    EXPECT_REFUSED(document("<string>\xed\xa0\x80</string>"), "invalid code point");
    EXPECT_REFUSED(document("<string>\x80</string>"), "lead byte 0x80");
    EXPECT_REFUSED(document("<string>\xe6\xbc</string>"), "UTF-8");
    EXPECT_REFUSED("<string>\xf0\x9f\x98", "truncated UTF-8");
    EXPECT_REFUSED(document("<string>bell\a</string>"), "control character 0x07");
}

TEST(XMLPlist, PositionsAreLineAndColumn)
{
    const std::string message = refusal("<plist>\n<array>\n    <integer>x1</integer>\n</array>\n</plist>");
    EXPECT_NE(message.find("line 3, column 14"), std::string::npos) << message;
    // Columns count characters, not bytes.
    const std::string wide = refusal("<array><string>\xc3\xa9\xc3\xa9</string><bogus/></array>");
    EXPECT_NE(wide.find("line 1, column 27"), std::string::npos) << wide;
}

TEST(XMLPlist, StructureErrors)
{
    EXPECT_REFUSED(document("<foo/>"), "unknown element <foo>");
    EXPECT_REFUSED(document("<array><dict></array></dict>"), "expected </dict> but found </array>");
    EXPECT_REFUSED(document("<dict><key>a</key></dict>"), "<key> without a value");
    EXPECT_REFUSED(document("<dict><key>a</key><key>b</key><true/></dict>"), "<key> follows a <key>");
    EXPECT_REFUSED(document("<dict><string>v</string></dict>"), "where a <key> belongs");
    EXPECT_REFUSED(document("<array><key>a</key></array>"), "<key> inside an <array>");
    EXPECT_REFUSED(document("<true/><false/>"), "more than one value");
    EXPECT_REFUSED(document("<string>a<string>b</string></string>"), "<string> inside <string>");
    EXPECT_REFUSED(document("<array>text</array>"), "text outside a value element");
    EXPECT_REFUSED(document("<true>yes</true>"), "must be empty");
    EXPECT_REFUSED("<plist version=\"1.0\"></plist>", "holds no value");
    EXPECT_REFUSED("<plist version=\"1.0\"></></plist>", "empty tag name");
    EXPECT_REFUSED("</array>", "closes nothing");
    EXPECT_REFUSED("", "no property-list value");
    EXPECT_REFUSED("<array", "unterminated tag");
    EXPECT_TRUE(fromXML(document("<array a=\"x>y\" ><string>a</string ></array >")).ok());
    EXPECT_REFUSED(document("<dict><key/><true/></dict>"), "<key></key>");
    EXPECT_REFUSED(document("<array/ >"), "unknown element");
    EXPECT_REFUSED(document("<string>a</string x>"), "malformed closing tag");
    EXPECT_REFUSED(document("<array a=\"x></array>"), "unterminated quote in tag");
    EXPECT_REFUSED(document("<array <true/></array>"), "'<' inside a tag");
    EXPECT_REFUSED("<!DOCTYPE plist [ <!ENTITY x \"y\"> ]><true/>", "internal subset");
    // libplist skips quoted text while it looks for the end of a tag, a DOCTYPE
    // or a processing instruction; a scanner that did not would miss the <date>.
    EXPECT_REFUSED("<!DOCTYPE x \"><!--\" ><date>garbage</date><!-- -->", "is not a date");
    EXPECT_REFUSED("<?pi \"?> <!-- \"?><date>garbage</date><!-- -->", "is not a date");
    EXPECT_REFUSED("<plist a=\"><!--\"><date>garbage</date><!-- --></plist>", "is not a date");
    EXPECT_REFUSED(document("<string>a<?pi x?></string>"), "markup inside <string>");
    EXPECT_REFUSED(document("<array><![CDATA[x]]></array>"), "CDATA outside a value element");
    EXPECT_REFUSED(document("<array><!ENTITY x \"y\"></array>"), "unsupported declaration");
    EXPECT_REFUSED(document("<array/>") + "<!DOCTYPE plist>", "DOCTYPE");
    EXPECT_REFUSED(document("<array><!-- never closed </array>"), "unterminated comment");
    EXPECT_REFUSED(document("<array/>") + "trailing", "text outside a value element");
}

TEST(XMLPlist, BadIntegers)
{
    EXPECT_REFUSED(document("<integer>12a</integer>"), "is not an integer");
    EXPECT_REFUSED(document("<integer></integer>"), "holds no number");
    EXPECT_REFUSED(document("<integer/>"), "holds no number");
    EXPECT_REFUSED(document("<integer>0x</integer>"), "is not an integer");
    EXPECT_REFUSED(document("<integer>1 2</integer>"), "is not an integer");
    EXPECT_REFUSED(document("<integer>--1</integer>"), "is not an integer");
    EXPECT_REFUSED(document("<integer>18446744073709551616</integer>"), "does not fit in 64 bits");
    EXPECT_REFUSED(document("<integer>99999999999999999999999999</integer>"), "does not fit in 64 bits");
    EXPECT_REFUSED(document("<integer>-9223372036854775809</integer>"), "does not fit in 64 bits");
    EXPECT_REFUSED(document("<integer>1<!-- c -->2</integer>"), "is not an integer");
}

TEST(XMLPlist, BadBase64)
{
    EXPECT_REFUSED(document("<data>A$==</data>"), "'$' is not base64");
    EXPECT_REFUSED(document("<data>AAAAA</data>"), "multiple of 4");
    EXPECT_REFUSED(document("<data>QQ</data>"), "multiple of 4");
    EXPECT_REFUSED(document("<data>AA=A</data>"), "continues after '=' padding");
    EXPECT_REFUSED(document("<data>A===</data>"), "multiple of 4");
}

TEST(XMLPlist, BadRealsAndDates)
{
    EXPECT_REFUSED(document("<real>1.5x</real>"), "is not a real number");
    EXPECT_REFUSED(document("<real/>"), "is not a real number");
    EXPECT_REFUSED(document("<date>2024-013:04:05Z</date>"), "is not a date");
    EXPECT_REFUSED(document("<date/>"), "is not a date");
    EXPECT_REFUSED(document("<date>2024-02-30T00:00:00Z</date>"), "not a valid date");
    EXPECT_REFUSED(document("<date>2023-02-29T00:00:00Z</date>"), "not a valid date");
    EXPECT_REFUSED(document("<date>2024-01-01T24:00:00Z</date>"), "not a valid date");
    EXPECT_REFUSED(document("<date>1932-12-13T20:45:51Z</date>"), "outside");
    EXPECT_REFUSED(document("<date>2069-01-19T03:14:08Z</date>"), "outside");
    EXPECT_REFUSED(document("<date>9999-12-31T23:59:59Z</date>"), "outside");
}

TEST(XMLPlist, BadEntities)
{
    EXPECT_REFUSED(document("<string>&foo;</string>"), "unknown entity &foo;");
    EXPECT_REFUSED(document("<string>&ampx;</string>"), "unknown entity");
    EXPECT_REFUSED(document("<string>a & b</string>"), "unterminated entity");
    EXPECT_REFUSED(document("<string>&#xD800;</string>"), "surrogate");
    EXPECT_REFUSED(document("<string>&#1;</string>"), "control character");
    EXPECT_REFUSED(document("<string>&#0;</string>"), "control character");
    EXPECT_REFUSED(document("<string>&#x110000;</string>"), "beyond U+10FFFF");
    EXPECT_REFUSED(document("<string>&#x;</string>"), "has no digits");
    EXPECT_REFUSED(document("<string>&#12a;</string>"), "is not a number");
    EXPECT_REFUSED(document("<string>&#000000065;</string>"), "longer than libplist accepts");
}

TEST(XMLPlist, LimitsOnSize)
{
    iolab::SerializationLimits limits;
    limits.maxBytes = 16;
    auto big = fromXML("<array></array>   ", limits);
    ASSERT_FALSE(big.ok());
    EXPECT_NE(big.error().message.find("exceeds the limit"), std::string::npos) << big.error().message;

    limits = {};
    limits.maxCollectionCount = 2;
    auto wide = fromXML("<array><true/><true/><true/></array>", limits);
    ASSERT_FALSE(wide.ok());
    EXPECT_NE(wide.error().message.find("more than 2 values"), std::string::npos) << wide.error().message;

    limits = {};
    limits.maxElements = 3;
    auto many = fromXML("<array><array><true/></array><true/></array>", limits);
    ASSERT_FALSE(many.ok());
    EXPECT_NE(many.error().message.find("more than 3 elements"), std::string::npos) << many.error().message;
}

TEST(XMLPlist, CStyleEntryPointReportsTheError)
{
    OSString* error = nullptr;
    OSObject* object = OSUnserializeXML("<array><integer>x</integer></array>", &error);
    EXPECT_EQ(object, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error->getCStringNoCopy()).find("line 1, column 17"), std::string::npos)
        << error->getCStringNoCopy();
    error->release();
    EXPECT_EQ(OSUnserializeXML(nullptr, &error), nullptr);
    ASSERT_NE(error, nullptr);
    error->release();
}

TEST(XMLPlist, FromFileNamesThePath)
{
    auto missing = iolab::plist::fromFile("/nonexistent/iolab/Info.plist");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.code(), kIOReturnNotFound);
    EXPECT_EQ(missing.error().message.rfind("/nonexistent/iolab/Info.plist: ", 0), 0u) << missing.error().message;
    auto directory = iolab::plist::fromFile("/");
    ASSERT_FALSE(directory.ok());
    EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos);
}

} // namespace
