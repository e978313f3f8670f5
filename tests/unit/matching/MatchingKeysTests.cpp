// SPDX-License-Identifier: GPL-2.0-or-later
// The generic matching keys, as a data-driven table: {nub, personality,
// expected}. Reference: spec 01 §1.3 and §3 item 10; DESIGN §3 (IONameMatch,
// IOPropertyMatch, IOResourceMatch, IOParentMatch, IOPathMatch,
// IOLocationMatch, IOPropertyExistsMatch, the family's matchPropertyTable).
#include "TestDrivers.h"

#include <ostream>

using namespace iolab::test;
using Calls = std::vector<std::string>;

namespace {

/// One row: a nub (class, name, location, properties as plist XML) and a
/// personality for TestDriverA (plist XML; IOClass is added, IOProviderClass
/// defaults to the nub's class), and whether the driver must attach.
struct MatchCase {
    const char* name;
    const char* nubClass;
    const char* nubName;
    const char* nubLocation;
    const char* nubProperties;
    const char* personality;
    bool expectMatch;
};

std::ostream& operator<<(std::ostream& out, const MatchCase& row)
{
    return out << row.name;
}

#define PLIST(body) "<plist version=\"1.0\"><dict>" body "</dict></plist>"
#define KEY(k) "<key>" k "</key>"
#define STR(s) "<string>" s "</string>"
#define INT(n) "<integer>" #n "</integer>"

// "compatible" = "acme,widget\0generic-widget\0" (base64)
#define COMPATIBLE_DATA "<data>YWNtZSx3aWRnZXQAZ2VuZXJpYy13aWRnZXQA</data>"

const MatchCase kCases[] = {
    // IOProviderClass: the class itself, a superclass, a subclass, an unrelated class.
    {"ProviderClassExact", "TestNub", "nub", "1", PLIST(""), PLIST(""), true},
    {"ProviderClassSuperclass", "TestNubSub", "nub", "1", PLIST(""), PLIST(KEY("IOProviderClass") STR("TestNub")), true},
    {"ProviderClassIOService", "TestNub", "nub", "1", PLIST(""), PLIST(KEY("IOProviderClass") STR("IOService")), true},
    {"ProviderClassSubclassOnly", "TestNub", "nub", "1", PLIST(""), PLIST(KEY("IOProviderClass") STR("TestNubSub")), false},
    {"ProviderClassUnrelated", "TestNub", "nub", "1", PLIST(""), PLIST(KEY("IOProviderClass") STR("IOResources")), false},

    // IONameMatch: a string or an array, against the name and "compatible".
    {"NameMatchString", "TestNub", "widget", "1", PLIST(""), PLIST(KEY("IONameMatch") STR("widget")), true},
    {"NameMatchStringMiss", "TestNub", "widget", "1", PLIST(""), PLIST(KEY("IONameMatch") STR("gadget")), false},
    {"NameMatchArray", "TestNub", "widget", "1", PLIST(""),
     PLIST(KEY("IONameMatch") "<array>" STR("gadget") STR("widget") "</array>"), true},
    {"NameMatchArrayMiss", "TestNub", "widget", "1", PLIST(""),
     PLIST(KEY("IONameMatch") "<array>" STR("gadget") STR("gizmo") "</array>"), false},
    {"NameMatchCompatibleDataFirst", "TestNub", "dev", "1", PLIST(KEY("compatible") COMPATIBLE_DATA),
     PLIST(KEY("IONameMatch") STR("acme,widget")), true},
    {"NameMatchCompatibleDataSecond", "TestNub", "dev", "1", PLIST(KEY("compatible") COMPATIBLE_DATA),
     PLIST(KEY("IONameMatch") "<array>" STR("nothing") STR("generic-widget") "</array>"), true},
    {"NameMatchCompatibleDataMiss", "TestNub", "dev", "1", PLIST(KEY("compatible") COMPATIBLE_DATA),
     PLIST(KEY("IONameMatch") STR("acme")), false},
    {"NameMatchCompatibleString", "TestNub", "dev", "1", PLIST(KEY("compatible") STR("acme,gizmo")),
     PLIST(KEY("IONameMatch") STR("acme,gizmo")), true},

    // IOPropertyMatch: a dictionary (all keys equal), or an array of dictionaries (any).
    {"PropertyMatchDict", "TestNub", "nub", "1", PLIST(KEY("model") STR("X1") KEY("rev") INT(3)),
     PLIST(KEY("IOPropertyMatch") "<dict>" KEY("model") STR("X1") KEY("rev") INT(3) "</dict>"), true},
    {"PropertyMatchDictOneDiffers", "TestNub", "nub", "1", PLIST(KEY("model") STR("X1") KEY("rev") INT(3)),
     PLIST(KEY("IOPropertyMatch") "<dict>" KEY("model") STR("X1") KEY("rev") INT(4) "</dict>"), false},
    {"PropertyMatchDictMissingKey", "TestNub", "nub", "1", PLIST(KEY("model") STR("X1")),
     PLIST(KEY("IOPropertyMatch") "<dict>" KEY("serial") STR("1") "</dict>"), false},
    {"PropertyMatchArrayAny", "TestNub", "nub", "1", PLIST(KEY("model") STR("X2")),
     PLIST(KEY("IOPropertyMatch") "<array><dict>" KEY("model") STR("X1") "</dict><dict>" KEY("model") STR("X2")
           "</dict></array>"),
     true},
    {"PropertyMatchArrayNone", "TestNub", "nub", "1", PLIST(KEY("model") STR("X3")),
     PLIST(KEY("IOPropertyMatch") "<array><dict>" KEY("model") STR("X1") "</dict><dict>" KEY("model") STR("X2")
           "</dict></array>"),
     false},

    // IOPropertyExistsMatch: a key, or a collection of keys that must all exist.
    {"PropertyExistsString", "TestNub", "nub", "1", PLIST(KEY("flag") "<false/>"),
     PLIST(KEY("IOPropertyExistsMatch") STR("flag")), true},
    {"PropertyExistsStringMiss", "TestNub", "nub", "1", PLIST(""), PLIST(KEY("IOPropertyExistsMatch") STR("flag")),
     false},
    {"PropertyExistsArrayAll", "TestNub", "nub", "1", PLIST(KEY("a") INT(1) KEY("b") INT(2)),
     PLIST(KEY("IOPropertyExistsMatch") "<array>" STR("a") STR("b") "</array>"), true},
    {"PropertyExistsArrayOneMissing", "TestNub", "nub", "1", PLIST(KEY("a") INT(1)),
     PLIST(KEY("IOPropertyExistsMatch") "<array>" STR("a") STR("b") "</array>"), false},

    // IOParentMatch: a matching dictionary for a provider up the chain.
    {"ParentMatchPlatform", "TestNub", "nub", "1", PLIST(""),
     PLIST(KEY("IOParentMatch") "<dict>" KEY("IOProviderClass") STR("IOPlatformExpertDevice") "</dict>"), true},
    {"ParentMatchByName", "TestNub", "nub", "1", PLIST(""),
     PLIST(KEY("IOParentMatch") "<dict>" KEY("IONameMatch") STR("IOLab") "</dict>"), true},
    {"ParentMatchMiss", "TestNub", "nub", "1", PLIST(""),
     PLIST(KEY("IOParentMatch") "<dict>" KEY("IOProviderClass") STR("IOResources") "</dict>"), false},

    // IOPathMatch: the service-plane path of the nub.
    {"PathMatch", "TestNub", "nub", "7", PLIST(""), PLIST(KEY("IOPathMatch") STR("IOService:/IOLab/nub@7")), true},
    {"PathMatchOtherLocation", "TestNub", "nub", "7", PLIST(""),
     PLIST(KEY("IOPathMatch") STR("IOService:/IOLab/nub@8")), false},
    {"PathMatchMissingPath", "TestNub", "nub", "7", PLIST(""), PLIST(KEY("IOPathMatch") STR("IOService:/nowhere")),
     false},

    // IOLocationMatch: the nub's location.
    {"LocationMatch", "TestNub", "nub", "3f", PLIST(""), PLIST(KEY("IOLocationMatch") STR("3f")), true},
    {"LocationMatchMiss", "TestNub", "nub", "3f", PLIST(""), PLIST(KEY("IOLocationMatch") STR("40")), false},
    {"LocationMatchNoLocation", "TestNub", "nub", nullptr, PLIST(""), PLIST(KEY("IOLocationMatch") STR("3f")), false},

    // IOResourceMatch on a hardware nub: the resource must be published.
    {"ResourceMatchPublished", "TestNub", "nub", "1", PLIST(""), PLIST(KEY("IOResourceMatch") STR("IOKit")), true},
    {"ResourceMatchUnpublished", "TestNub", "nub", "1", PLIST(""),
     PLIST(KEY("IOResourceMatch") STR("NeverPublished")), false},

    // The family's own keys (TestFamilyNub::matchPropertyTable).
    {"FamilyVendor", "TestFamilyNub", "dev", "1", PLIST(KEY("idVendor") INT(1452)),
     PLIST(KEY("idVendor") INT(1452)), true},
    {"FamilyVendorMiss", "TestFamilyNub", "dev", "1", PLIST(KEY("idVendor") INT(1452)),
     PLIST(KEY("idVendor") INT(1453)), false},
    {"FamilyVendorProduct", "TestFamilyNub", "dev", "1", PLIST(KEY("idVendor") INT(1452) KEY("idProduct") INT(5)),
     PLIST(KEY("idVendor") INT(1452) KEY("idProduct") INT(5)), true},
    {"FamilyProductMiss", "TestFamilyNub", "dev", "1", PLIST(KEY("idVendor") INT(1452) KEY("idProduct") INT(5)),
     PLIST(KEY("idVendor") INT(1452) KEY("idProduct") INT(6)), false},
    {"FamilyKeysIgnoredByPlainNub", "TestNub", "dev", "1", PLIST(""), PLIST(KEY("idVendor") INT(1)), true},

    // Several keys together must all match.
    {"CombinedAllMatch", "TestNub", "widget", "5", PLIST(KEY("model") STR("X1")),
     PLIST(KEY("IONameMatch") STR("widget") KEY("IOLocationMatch") STR("5") KEY("IOPropertyMatch") "<dict>" KEY("model")
               STR("X1") "</dict>"),
     true},
    {"CombinedOneFails", "TestNub", "widget", "5", PLIST(KEY("model") STR("X1")),
     PLIST(KEY("IONameMatch") STR("widget") KEY("IOLocationMatch") STR("6") KEY("IOPropertyMatch") "<dict>" KEY("model")
               STR("X1") "</dict>"),
     false},
};

class MatchingKeys : public RuntimeTest, public ::testing::WithParamInterface<MatchCase> {};

OSSharedPtr<IOService> makeCaseNub(const MatchCase& row, IOService* provider, OSDictionary* properties)
{
    std::string_view cls(row.nubClass);
    if (cls == "TestNubSub")
        return makeNub<TestNubSub>(provider, row.nubName, row.nubLocation, properties);
    if (cls == "TestFamilyNub")
        return makeNub<TestFamilyNub>(provider, row.nubName, row.nubLocation, properties);
    return makeNub<TestNub>(provider, row.nubName, row.nubLocation, properties);
}

} // namespace

TEST_P(MatchingKeys, DriverAttachesOnlyWhenExpected)
{
    const MatchCase& row = GetParam();
    auto properties = plistDict(row.nubProperties);
    auto table = plistDict(row.personality);
    ASSERT_TRUE(properties && table);
    table->setObject(kIOClassKey, OSSharedPtr<OSString>(OSString::withCString("TestDriverA"), OSNoRetain).get());
    if (!table->getObject(kIOProviderClassKey))
        table->setObject(kIOProviderClassKey,
                         OSSharedPtr<OSString>(OSString::withCString(row.nubClass), OSNoRetain).get());

    // The personality goes in first and the nub arrives later (matching on
    // registration), and a second nub arrives before the personality is added
    // (matching on addDrivers): both paths must agree.
    ASSERT_TRUE(addPersonalities({table.get()}));
    auto nub = makeCaseNub(row, platform(), properties.get());
    ASSERT_TRUE(nub);
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientsOfClass(nub.get(), "TestDriverA").size(), row.expectMatch ? 1u : 0u)
        << "on registration: " << row.name;
    EXPECT_EQ(nub->passiveMatch(table.get()), row.expectMatch);

    nub->terminate();
    ASSERT_TRUE(quiet());
    nub.reset();
    OSSharedPtr<OSDictionary> removeAll(Dict().string(kIOClassKey, "TestDriverA").ptr());
    gIOCatalogue->removeDrivers(removeAll.get());
    ASSERT_TRUE(quiet());
    ASSERT_EQ(gIOCatalogue->personalityCount(), 0u);

    auto late = makeCaseNub(row, platform(), properties.get());
    ASSERT_TRUE(late);
    ASSERT_TRUE(quiet());
    ASSERT_TRUE(addPersonalities({table.get()}));
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientsOfClass(late.get(), "TestDriverA").size(), row.expectMatch ? 1u : 0u)
        << "on addDrivers: " << row.name;
}

INSTANTIATE_TEST_SUITE_P(Table, MatchingKeys, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<MatchCase>& info) { return std::string(info.param.name); });

namespace {
class Matching : public RuntimeTest {};
} // namespace

// IONameMatch records which name matched in the instance's IONameMatched property.
TEST_F(Matching, NameMatchedIsRecorded)
{
    auto a = personality("TestDriverA", "TestNub");
    a.object(kIONameMatchKey, stringArray({"gadget", "generic-widget"}).get());
    ASSERT_TRUE(addPersonalities({a.get()}));
    const char compatible[] = "acme,widget\0generic-widget";
    auto nub = makeNub<TestNub>(platform(), "dev", "1",
                                Dict().data("compatible", compatible, sizeof compatible).get());
    ASSERT_TRUE(quiet());
    auto drivers = clientsOfClass(nub.get(), "TestDriverA");
    ASSERT_EQ(drivers.size(), 1u);
    auto* matched = OSDynamicCast(OSString, drivers[0]->getProperty(kIONameMatchedKey));
    ASSERT_TRUE(matched);
    EXPECT_STREQ(matched->getCStringNoCopy(), "generic-widget");
}

// IOResourceMatch: a driver on IOResources waiting for a resource starts when
// publishResource is called later.
TEST_F(Matching, ResourceDriverStartsWhenResourcePublished)
{
    auto a = personality("TestDriverA", kIOResourcesClass, -1, "com.example.waiter");
    a.string(kIOResourceMatchKey, "com.example.Late");
    ASSERT_TRUE(addPersonalities({a.get()}));
    ASSERT_TRUE(quiet());
    EXPECT_EQ(CallLog::count("TestDriverA::start"), 0u);
    EXPECT_TRUE(clientsOfClass(resources(), "TestDriverA").empty());

    IOService::publishResource("com.example.Late");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(CallLog::count("TestDriverA::start"), 1u);
    EXPECT_EQ(clientsOfClass(resources(), "TestDriverA").size(), 1u);
    EXPECT_TRUE(resources()->getProperty("com.example.Late"));

    // Publishing something else later does not start it twice.
    IOService::publishResource("com.example.Other");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(CallLog::count("TestDriverA::start"), 1u);
}

// The same for a hardware nub whose personality needs a resource.
TEST_F(Matching, NubDriverWaitingForResourceStartsWhenPublished)
{
    auto a = personality("TestDriverA", "TestNub");
    a.string(kIOResourceMatchKey, "com.example.Firmware");
    ASSERT_TRUE(addPersonalities({a.get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    EXPECT_TRUE(clientsOf(nub.get()).empty());
    OSSharedPtr<OSString> value(OSString::withCString("v1"), OSNoRetain);
    IOService::publishResource("com.example.Firmware", value.get());
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverA"});
    auto* published = OSDynamicCast(OSString, resources()->getProperty("com.example.Firmware"));
    ASSERT_TRUE(published);
    EXPECT_STREQ(published->getCStringNoCopy(), "v1");
}

// IORegistryEntryID matches exactly one service.
TEST_F(Matching, RegistryEntryIDMatchesOneService)
{
    auto first = makeNub<TestNub>(platform(), "nub", "1");
    auto second = makeNub<TestNub>(platform(), "nub", "2");
    ASSERT_TRUE(quiet());
    auto a = personality("TestDriverA", "TestNub");
    a.number(kIORegistryEntryIDKey, second->getRegistryEntryID(), 64);
    ASSERT_TRUE(addPersonalities({a.get()}));
    ASSERT_TRUE(quiet());
    EXPECT_TRUE(clientsOf(first.get()).empty());
    EXPECT_EQ(clientClassNames(second.get()), Calls{"TestDriverA"});

    OSSharedPtr<OSDictionary> byID(IOService::registryEntryIDMatching(first->getRegistryEntryID()), OSNoRetain);
    OSSharedPtr<IOService> found(IOService::copyMatchingService(byID.get()), OSNoRetain);
    EXPECT_EQ(found.get(), first.get());
}

// The family hook: a nub subclass overriding matchPropertyTable(table, &score)
// decides its keys, and a score it raises orders the candidates.
TEST_F(Matching, FamilyHookDecidesKeysAndScore)
{
    // B has the higher passive score, but A names the product: the family adds 1000.
    auto a = personality("TestDriverA", "TestFamilyNub", 10);
    a.number("idVendor", 0x05ac).number("idProduct", 0x8286);
    auto b = personality("TestDriverB", "TestFamilyNub", 500);
    b.number("idVendor", 0x05ac);
    auto c = personality("TestDriverC", "TestFamilyNub", 900);
    c.number("idVendor", 0x1d6b);
    ASSERT_TRUE(addPersonalities({a.get(), b.get(), c.get()}));
    auto nub = makeNub<TestFamilyNub>(platform(), "usb", "14100000",
                                      Dict().number("idVendor", 0x05ac).number("idProduct", 0x8286).get());
    ASSERT_TRUE(quiet());
    EXPECT_EQ(CallLog::count("TestDriverC::init"), 0u) << "the family refused C's vendor before any instance";
    EXPECT_GE(TestFamilyNub::s_matchCalls.load(), 3);
    // Passive scores say B first; the family's score raise is part of matching the
    // table, so A must win whichever order probing happened in.
    EXPECT_EQ(CallLog::entriesWithMethods({"start"}), Calls{"TestDriverA::start"});
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverA"});
}
