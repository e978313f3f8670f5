// SPDX-License-Identifier: GPL-2.0-or-later
// The ioreg text and archive formats, on hand-built trees (golden text) and on
// a live registry.
#include <IOKit/IOService.h>
#include <iolab/IORegFormat.h>
#include <iolab/Runtime.h>
#include <iolab/Serialization.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <unistd.h>

using iolab::ioreg::Node;
using iolab::ioreg::PrintOptions;

namespace {

OSSharedPtr<OSDictionary> dictionary()
{
    return OSSharedPtr<OSDictionary>(OSDictionary::withCapacity(4), OSNoRetain);
}

void put(OSDictionary* dict, const char* key, OSObject* value)
{
    dict->setObject(key, value);
    value->release();
}

Node service(const char* name, std::vector<std::string> classes, uint64_t id, uint64_t state, uint32_t retain)
{
    Node node;
    node.name = name;
    node.classChain = std::move(classes);
    node.id = id;
    node.isService = true;
    node.state = state;
    node.retain = retain;
    node.properties = dictionary();
    return node;
}

constexpr uint64_t kUp = kIOServiceRegisteredState | kIOServiceMatchedState;

/// Root
///   IOLab (platform)        — has a child
///     IOPMrootDomain
///   IOResources             — has a child, 1 property
///     IOKitTest@1           — not registered, 2 properties
Node sampleTree()
{
    Node root;
    root.name = "Root";
    root.classChain = {"IORegistryEntry"};
    root.id = 0x100000100;
    root.retain = 9;
    root.properties = dictionary();

    Node platform = service("IOLab", {"IOPlatformExpertDevice", "IOService", "IORegistryEntry"}, 0x100000101, kUp, 12);
    platform.busyTimeNs = 3'000'000;
    platform.children.push_back(
        service("IOPMrootDomain", {"IOPMrootDomain", "IOService", "IORegistryEntry"}, 0x100000103, kUp, 5));

    Node resources = service("IOResources", {"IOResources", "IOService", "IORegistryEntry"}, 0x100000102, kUp, 7);
    put(resources.properties.get(), "IOKit", OSString::withCString("IOService"));
    Node test = service("IOKitTest", {"com_osxkernel_driver_IOKitTest", "IOService", "IORegistryEntry"}, 0x100000110,
                        kIOServiceMatchedState, 6);
    test.location = "1";
    put(test.properties.get(), "IOClass", OSString::withCString("com_osxkernel_driver_IOKitTest"));
    put(test.properties.get(), "IOProbeScore", OSNumber::withNumber(1000, 32));
    resources.children.push_back(test);

    root.children.push_back(platform);
    root.children.push_back(resources);
    return root;
}

} // namespace

TEST(IORegFormat, TreeWithStateMatchesGolden)
{
    const std::string expected =
        "+-o Root  <class IORegistryEntry, id 0x100000100, retain 9>\n"
        "  +-o IOLab  <class IOPlatformExpertDevice, id 0x100000101, registered, matched, active, busy 0 (3 ms), retain 12>\n"
        "  | +-o IOPMrootDomain  <class IOPMrootDomain, id 0x100000103, registered, matched, active, busy 0, retain 5>\n"
        "  +-o IOResources  <class IOResources, id 0x100000102, registered, matched, active, busy 0, retain 7>\n"
        "    +-o IOKitTest@1  <class com_osxkernel_driver_IOKitTest, id 0x100000110, !registered, matched, active, busy 0, retain 6>\n";
    EXPECT_EQ(iolab::ioreg::print(sampleTree(), {}), expected);
}

TEST(IORegFormat, ListPropertiesMatchesGolden)
{
    PrintOptions options;
    options.listProperties = true;
    options.showState = false;
    const std::string expected =
        "+-o Root  <class IORegistryEntry>\n"
        "  | {\n"
        "  | }\n"
        "  | \n"
        "  +-o IOLab  <class IOPlatformExpertDevice>\n"
        "  | | {\n"
        "  | | }\n"
        "  | | \n"
        "  | +-o IOPMrootDomain  <class IOPMrootDomain>\n"
        "  |     {\n"
        "  |     }\n"
        "  |     \n"
        "  +-o IOResources  <class IOResources>\n"
        "    | {\n"
        "    |   \"IOKit\" = \"IOService\"\n"
        "    | }\n"
        "    | \n"
        "    +-o IOKitTest@1  <class com_osxkernel_driver_IOKitTest>\n"
        "        {\n"
        "          \"IOClass\" = \"com_osxkernel_driver_IOKitTest\"\n"
        "          \"IOProbeScore\" = 1000\n"
        "        }\n"
        "        \n";
    EXPECT_EQ(iolab::ioreg::print(sampleTree(), options), expected);
}

TEST(IORegFormat, ValuesAreFormattedAsIoregDoes)
{
    auto text = [](OSObject* value, bool hex = false) {
        std::string formatted = iolab::ioreg::formatValue(value, hex);
        value->release();
        return formatted;
    };
    EXPECT_EQ(text(OSString::withCString("abc")), "\"abc\"");
    EXPECT_EQ(text(OSNumber::withNumber(4115, 32)), "4115");
    EXPECT_EQ(text(OSNumber::withNumber(4115, 32), true), "0x1013");
    kOSBooleanTrue->retain();
    EXPECT_EQ(text(kOSBooleanTrue), "Yes");
    kOSBooleanFalse->retain();
    EXPECT_EQ(text(kOSBooleanFalse), "No");
    const uint8_t vendor[] = {0x86, 0x80, 0x00, 0x00};
    EXPECT_EQ(text(OSData::withBytes(vendor, 4)), "<86800000>");
    const char compatible[] = "pci8086,1234\0pciclass,020000\0";
    EXPECT_EQ(text(OSData::withBytes(compatible, sizeof compatible - 1)), "<\"pci8086,1234\",\"pciclass,020000\">");
    EXPECT_EQ(text(OSData::withBytes("ab", 2), true), "<6162>");
    EXPECT_EQ(text(OSData::withBytes("a", 1)), "<61>"); // one byte is never a string
    OSArray* array = OSArray::withCapacity(2);
    array->setObject(OSSharedPtr<OSString>(OSString::withCString("x"), OSNoRetain).get());
    array->setObject(OSSharedPtr<OSNumber>(OSNumber::withNumber(2, 8), OSNoRetain).get());
    EXPECT_EQ(text(array), "(\"x\",2)");
    OSDictionary* dict = OSDictionary::withCapacity(2);
    dict->setObject("CurrentPowerState", OSSharedPtr<OSNumber>(OSNumber::withNumber(2, 32), OSNoRetain).get());
    dict->setObject("On", kOSBooleanTrue);
    EXPECT_EQ(text(dict), "{\"CurrentPowerState\"=2,\"On\"=Yes}");
    OSSet* set = OSSet::withCapacity(1);
    set->setObject(OSSharedPtr<OSString>(OSString::withCString("s"), OSNoRetain).get());
    EXPECT_EQ(text(set), "[\"s\"]");
}

TEST(IORegFormat, DepthLimitsTheTree)
{
    PrintOptions options;
    options.depth = 2;
    options.showState = false;
    EXPECT_EQ(iolab::ioreg::print(sampleTree(), options),
              "+-o Root  <class IORegistryEntry>\n"
              "  +-o IOLab  <class IOPlatformExpertDevice>\n"
              "  +-o IOResources  <class IOResources>\n");
}

TEST(IORegFormat, WidthClipsWithDollar)
{
    PrintOptions options;
    options.width = 20;
    const std::string text = iolab::ioreg::print(sampleTree(), options);
    EXPECT_EQ(text.substr(0, text.find('\n')), "+-o Root  <class IO$");
}

TEST(IORegFormat, ClassSearchWithSubtreesAndLocation)
{
    PrintOptions options;
    options.className = "IOResources";
    options.subtrees = true;
    options.showState = false;
    EXPECT_EQ(iolab::ioreg::print(sampleTree(), options),
              "+-o IOResources  <class IOResources>\n"
              "  | {\n"
              "  |   \"IOKit\" = \"IOService\"\n"
              "  | }\n"
              "  | \n"
              "  +-o IOKitTest@1  <class com_osxkernel_driver_IOKitTest>\n");
    options.locationOfSubtree = true;
    options.className = "IOPMrootDomain";
    EXPECT_EQ(iolab::ioreg::print(sampleTree(), options),
              "+-o Root  <class IORegistryEntry>\n"
              "  +-o IOLab  <class IOPlatformExpertDevice>\n"
              "    +-o IOPMrootDomain  <class IOPMrootDomain>\n"
              "        {\n"
              "        }\n"
              "        \n");
}

TEST(IORegFormat, ClassSearchIncludesSubclassesAndNameSearchUsesLocation)
{
    PrintOptions options;
    options.className = "IOService"; // every service conforms
    options.subtrees = true;
    options.showState = false;
    options.depth = 1;
    const std::string text = iolab::ioreg::print(sampleTree(), options);
    EXPECT_NE(text.find("+-o IOLab"), std::string::npos);
    EXPECT_NE(text.find("+-o IOKitTest@1"), std::string::npos);
    EXPECT_EQ(text.find("+-o Root"), std::string::npos);

    PrintOptions byName;
    byName.name = "IOKitTest@1";
    byName.subtrees = true;
    byName.showState = false;
    EXPECT_EQ(iolab::ioreg::print(sampleTree(), byName).rfind("+-o IOKitTest@1", 0), 0u);
    byName.name = "IOKitTest@2";
    EXPECT_EQ(iolab::ioreg::print(sampleTree(), byName), "");
}

TEST(IORegFormat, InheritanceShowsTheClassChain)
{
    PrintOptions options;
    options.inheritance = true;
    options.showState = false;
    options.depth = 2;
    const std::string text = iolab::ioreg::print(sampleTree(), options);
    EXPECT_NE(text.find("<class IORegistryEntry:IOService:IOPlatformExpertDevice>"), std::string::npos) << text;
}

TEST(IORegFormat, ArchiveRoundTripsAndPrintsTheSame)
{
    PrintOptions options;
    options.listProperties = true;
    auto xml = iolab::ioreg::archive(sampleTree(), options);
    ASSERT_TRUE(xml.ok()) << xml.error().message;
    EXPECT_NE(xml.value().find("<key>IORegistryEntryChildren</key>"), std::string::npos);
    EXPECT_NE(xml.value().find("<key>IOObjectClass</key>"), std::string::npos);
    auto bytes = std::span(reinterpret_cast<const uint8_t*>(xml.value().data()), xml.value().size());
    auto back = iolab::ioreg::fromArchive(bytes);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(iolab::ioreg::print(back.value(), options), iolab::ioreg::print(sampleTree(), options));
}

TEST(IORegFormat, ArchiveIsReadByPlistlib)
{
    if (std::system("python3 -c 'import plistlib' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "python3 is not available";
    PrintOptions options;
    options.listProperties = true;
    auto xml = iolab::ioreg::archive(sampleTree(), options);
    ASSERT_TRUE(xml.ok());
    char path[] = "/tmp/iolab-ioreg-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, xml.value().data(), xml.value().size()), static_cast<ssize_t>(xml.value().size()));
    close(fd);
    const std::string command = std::string("python3 -c \"import plistlib,sys; d=plistlib.load(open('") + path +
                                "','rb')); c=d['IORegistryEntryChildren']; "
                                "print(d['IORegistryEntryName'], len(c), c[1]['IORegistryEntryChildren'][0]['IOProbeScore'], "
                                "c[1]['IORegistryEntryChildren'][0]['IORegistryEntryLocation'])\"";
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char line[256] = {};
    ASSERT_NE(fgets(line, sizeof line, pipe), nullptr);
    EXPECT_EQ(pclose(pipe), 0);
    unlink(path);
    EXPECT_STREQ(line, "Root 2 1000 1\n");
}

TEST(IORegFormat, MalformedArchivesAreRejectedWithAReason)
{
    auto parse = [](const std::string& text) {
        return iolab::ioreg::fromArchive(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    };
    auto noName = parse("<plist version=\"1.0\"><dict><key>IOObjectClass</key><string>X</string></dict></plist>");
    ASSERT_FALSE(noName.ok());
    EXPECT_NE(noName.error().message.find("IORegistryEntryName"), std::string::npos);
    auto badChildren = parse("<plist version=\"1.0\"><dict><key>IORegistryEntryName</key><string>R</string>"
                             "<key>IORegistryEntryChildren</key><string>no</string></dict></plist>");
    ASSERT_FALSE(badChildren.ok());
    EXPECT_NE(badChildren.error().message.find("not an array"), std::string::npos);
    auto notPlist = parse("<plist version=\"1.0\"><integer>1</integer></plist>");
    EXPECT_FALSE(notPlist.ok());
}

TEST(IORegFormat, LiveRegistryPrintsItsServices)
{
    iolab::Runtime runtime;
    ASSERT_EQ(runtime.waitQuiet(10'000'000'000ull), kIOReturnSuccess);
    auto root = iolab::ioreg::snapshot(IORegistryEntry::getRegistryRoot(), gIOServicePlane);
    PrintOptions options;
    options.listProperties = true;
    const std::string text = iolab::ioreg::print(root, options);
    EXPECT_TRUE(std::regex_search(text, std::regex(R"(\+-o Root  <class IORegistryEntry, id 0x[0-9a-f]+, retain \d+>)"))) << text;
    EXPECT_TRUE(std::regex_search(
        text, std::regex(R"(\+-o IOResources  <class IOResources, id 0x[0-9a-f]+, registered, matched, active, busy 0.*, retain \d+>)")))
        << text;
    EXPECT_NE(text.find("\"IOKit\" = \"IOService\""), std::string::npos) << text;
    EXPECT_NE(text.find("+-o IOPMrootDomain"), std::string::npos);
}
