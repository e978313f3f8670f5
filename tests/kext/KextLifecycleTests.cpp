// SPDX-License-Identifier: GPL-2.0-or-later
// Loading and unloading real bundles: the HelloWorld and IOKitTest samples,
// a library kext and its dependent, and a driver whose provider appears later.
// Reference: spec 01 §1.5, §2.1, §2.2 and §3 items 22–28; spec 05 §1.4.
#include "KextTestSupport.h"

#include <IOKit/IOCatalogue.h>
#include <iolab/Serialization.h>

#include <algorithm>
#include <dlfcn.h>
#include <regex>
#include <sstream>

using namespace iolab::kexttest;

namespace {

constexpr const char* kIOKitTestClass = "com_osxkernel_driver_IOKitTest";
constexpr const char* kIOKitTestID = "com.osxkernel.IOKitTest";
constexpr const char* kHelloWorldID = "com.osxkernel.HelloWorld";
constexpr const char* kLibraryID = "com.example.iolab.test.TestLibrary";
constexpr const char* kDependentID = "com.example.iolab.test.TestDependent";

/// The lines of `log` that are one of `wanted`, in order.
std::vector<std::string> only(const std::vector<std::string>& log, std::initializer_list<const char*> wanted)
{
    std::vector<std::string> lines;
    for (const std::string& line : log) {
        if (std::any_of(wanted.begin(), wanted.end(), [&](const char* w) { return line == w; }))
            lines.push_back(line);
    }
    return lines;
}

/// Index of the first log line containing `text`, or -1.
long lineOf(const std::vector<std::string>& log, const std::string& text)
{
    for (size_t i = 0; i < log.size(); ++i) {
        if (log[i].find(text) != std::string::npos)
            return static_cast<long>(i);
    }
    return -1;
}

/// The kextstat row of `bundleID` (the whole line), or "".
std::string kextstatRow(const std::string& table, const std::string& bundleID)
{
    std::istringstream lines(table);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find(" " + bundleID + " (") != std::string::npos)
            return line;
    }
    return {};
}

/// The active clients of `provider` of class `className`, retained.
std::vector<OSSharedPtr<IOService>> clientsOfClass(IOService* provider, const char* className)
{
    std::vector<OSSharedPtr<IOService>> found;
    OSSharedPtr<OSIterator> it(provider->getClientIterator(), OSNoRetain);
    while (OSObject* object = it ? it->getNextObject() : nullptr) {
        auto* service = OSDynamicCast(IOService, object);
        if (service && std::string(service->getMetaClass()->getClassName()) == className && !service->isInactive())
            found.emplace_back(service, OSRetain);
    }
    return found;
}

/// The IOKitTest personality as its built Info.plist states it.
OSSharedPtr<OSDictionary> iokitTestPersonality()
{
    auto parsed = iolab::plist::fromFile(sampleKext("IOKitTest") + "/Contents/Info.plist");
    EXPECT_TRUE(parsed.ok());
    if (!parsed.ok())
        return nullptr;
    auto* info = OSDynamicCast(OSDictionary, parsed.value().get());
    auto* personalities = info ? OSDynamicCast(OSDictionary, info->getObject("IOKitPersonalities")) : nullptr;
    auto* personality = personalities ? OSDynamicCast(OSDictionary, personalities->getObject("IOKitTest")) : nullptr;
    EXPECT_TRUE(personality);
    return OSSharedPtr<OSDictionary>(personality, OSRetain);
}

} // namespace

// spec 01 §2.1 and §3 items 25 and 27: "Hello world" on load, a kextstat row
// "com.osxkernel.HelloWorld (1) <4>" with Refs 0, libkern's Refs up by one
// while it is loaded, and "Goodbye world" on unload.
TEST_F(KextTest, HelloWorldLogsAndAppearsInKextstat)
{
    const auto libkernBefore = kexts().find("com.apple.kpi.libkern");
    ASSERT_TRUE(libkernBefore);
    EXPECT_EQ(libkernBefore->index, 4u) << "libkern keeps the book's kextstat index";

    uint64_t mark = logPosition();
    auto info = mustLoad(sampleKext("HelloWorld"));
    ASSERT_TRUE(info);
    EXPECT_EQ(only(logSince(mark), {"Hello world", "Goodbye world"}), (std::vector<std::string>{"Hello world"}));

    const std::string table = kexts().kextstat();
    const std::string row = kextstatRow(table, kHelloWorldID);
    ASSERT_FALSE(row.empty()) << table;
    EXPECT_NE(row.find("com.osxkernel.HelloWorld (1) <4>"), std::string::npos) << row;
    std::istringstream columns(row);
    unsigned index = 0, refs = 99;
    columns >> index >> refs;
    EXPECT_EQ(index, info->index);
    EXPECT_EQ(refs, 0u) << row;
    EXPECT_EQ(info->refs, 0u);
    EXPECT_EQ(info->linkedAgainst, (std::vector<unsigned>{4}));
    EXPECT_EQ(kexts().find("com.apple.kpi.libkern")->refs, libkernBefore->refs + 1);
    EXPECT_EQ(kexts().loaded().back().bundleID, kHelloWorldID) << "the newest kext is listed last";

    mark = logPosition();
    ASSERT_TRUE(kexts().unload(kHelloWorldID).ok());
    EXPECT_EQ(only(logSince(mark), {"Hello world", "Goodbye world"}), (std::vector<std::string>{"Goodbye world"}));
    EXPECT_TRUE(kextstatRow(kexts().kextstat(), kHelloWorldID).empty()) << "the row is removed";
    EXPECT_EQ(kexts().find("com.apple.kpi.libkern")->refs, libkernBefore->refs);
    EXPECT_FALSE(isMapped(executableOf(sampleKext("HelloWorld"))));
}

// spec 01 §2.2 and §3 items 17 and 23: IOKitTest logs init, probe, start; one
// instance sits under IOResources with its personality as property table; on
// unload it logs stop then free and no instance remains.
TEST_F(KextTest, IOKitTestLifecycleUnderIOResources)
{
    const unsigned personalitiesBefore = runtime->catalogue()->personalityCount();
    uint64_t mark = logPosition();
    ASSERT_TRUE(mustLoad(sampleKext("IOKitTest")));
    const std::initializer_list<const char*> steps = {"IOKitTest::init", "IOKitTest::probe", "IOKitTest::start",
                                                      "IOKitTest::stop", "IOKitTest::free"};
    EXPECT_EQ(only(logSince(mark), steps),
              (std::vector<std::string>{"IOKitTest::init", "IOKitTest::probe", "IOKitTest::start"}));
    EXPECT_EQ(instanceCount(kIOKitTestClass), 1u) << "ioclasscount " << kIOKitTestClass;
    EXPECT_EQ(runtime->catalogue()->personalityCount(), personalitiesBefore + 1);

    auto drivers = clientsOfClass(runtime->resources(), kIOKitTestClass);
    ASSERT_EQ(drivers.size(), 1u) << "the driver is a client of IOResources";
    IOService* driver = drivers[0].get();
    EXPECT_EQ(driver->getProvider(), runtime->resources());
    const OSMetaClass* meta = OSMetaClass::getMetaClassWithName(kIOKitTestClass);
    ASSERT_TRUE(meta);
    EXPECT_STREQ(meta->getKmodNameCString(), kIOKitTestID) << "the class records the bundle that defined it";

    // The property table is the personality, plus what loading and matching add.
    auto personality = iokitTestPersonality();
    ASSERT_TRUE(personality);
    OSSharedPtr<OSDictionary> properties(driver->dictionaryWithProperties(), OSNoRetain);
    ASSERT_TRUE(properties);
    for (unsigned i = 0; i < personality->getCount(); ++i) {
        const OSSymbol* key = personality->keyAtIndex(i);
        OSObject* value = properties->getObject(key);
        ASSERT_TRUE(value) << "the driver lacks personality key " << key->getCStringNoCopy();
        EXPECT_TRUE(value->isEqualTo(personality->objectAtIndex(i))) << key->getCStringNoCopy();
    }
    std::vector<std::string> added;
    for (unsigned i = 0; i < properties->getCount(); ++i) {
        if (!personality->getObject(properties->keyAtIndex(i)))
            added.emplace_back(properties->keyAtIndex(i)->getCStringNoCopy());
    }
    for (const std::string& key : added)
        EXPECT_TRUE(key == kIOPersonalityPublisherKey || key == kIOProbeScoreKey || key.rfind("IOMatched", 0) == 0)
            << "unexpected property " << key << " beyond the personality";
    drivers.clear();

    mark = logPosition();
    ASSERT_TRUE(kexts().unload(kIOKitTestID).ok());
    EXPECT_EQ(only(logSince(mark), steps), (std::vector<std::string>{"IOKitTest::stop", "IOKitTest::free"}));
    EXPECT_FALSE(OSMetaClass::getMetaClassWithName(kIOKitTestClass)) << "the class leaves with its bundle";
    EXPECT_EQ(instanceCount(kIOKitTestClass), 0u);
    EXPECT_TRUE(clientsOfClass(runtime->resources(), kIOKitTestClass).empty());
    EXPECT_EQ(runtime->catalogue()->personalityCount(), personalitiesBefore) << "its personalities left the catalogue";
    EXPECT_FALSE(isMapped(executableOf(sampleKext("IOKitTest"))));
}

// spec 01 §1.5 "unload gate" and §3 item 23: while the test holds the driver,
// unload is refused naming the class and its count; once released, it works.
TEST_F(KextTest, UnloadRefusedWhileAnInstanceIsHeld)
{
    ASSERT_TRUE(mustLoad(sampleKext("IOKitTest")));
    auto drivers = clientsOfClass(runtime->resources(), kIOKitTestClass);
    ASSERT_EQ(drivers.size(), 1u);
    OSSharedPtr<IOService> held = drivers[0];
    drivers.clear();

    auto refused = kexts().unload(kIOKitTestID);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.code(), kIOReturnBusy);
    EXPECT_NE(refused.error().message.find(std::string(kIOKitTestClass) + " (1)"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(kexts().find(kIOKitTestID)) << "still loaded";
    EXPECT_EQ(instanceCount(kIOKitTestClass), 1u);
    EXPECT_TRUE(isMapped(executableOf(sampleKext("IOKitTest")))) << "the code of a live instance stays mapped";

    const uint64_t mark = logPosition();
    held.reset();
    EXPECT_EQ(instanceCount(kIOKitTestClass), 0u);
    EXPECT_GE(lineOf(logSince(mark), "IOKitTest::free"), 0) << "the last release frees the driver";
    ASSERT_TRUE(kexts().unload(kIOKitTestID).ok());
    EXPECT_FALSE(kexts().find(kIOKitTestID));
    EXPECT_FALSE(isMapped(executableOf(sampleKext("IOKitTest"))));
}

// spec 05 §1.4: a library is loaded before its dependant. Loading the dependent
// with the library in the search path loads the library first; unloading the
// library is refused while the dependent is loaded, naming it.
TEST_F(KextTest, LibraryLoadsFirstAndCannotUnloadUnderADependent)
{
    kexts().setSearchPath({builtKextDirectory()});
    const auto before = kexts().loaded();
    const uint64_t mark = logPosition();
    auto dependent = mustLoad(builtKext("TestDependent"));
    ASSERT_TRUE(dependent);
    const auto log = logSince(mark);
    const long libraryLoaded = lineOf(log, std::string("kext: loaded ") + kLibraryID);
    const long dependentStarted = lineOf(log, "TestDependent: start, the library says 42");
    const long dependentLoaded = lineOf(log, std::string("kext: loaded ") + kDependentID);
    ASSERT_GE(libraryLoaded, 0);
    ASSERT_GE(dependentStarted, 0);
    EXPECT_LT(libraryLoaded, dependentStarted);
    EXPECT_LT(dependentStarted, dependentLoaded);

    const auto rows = kexts().loaded();
    ASSERT_EQ(rows.size(), before.size() + 2);
    EXPECT_EQ(rows[rows.size() - 2].bundleID, kLibraryID) << "the library is loaded (and listed) first";
    EXPECT_EQ(rows.back().bundleID, kDependentID);
    const auto library = kexts().find(kLibraryID);
    ASSERT_TRUE(library);
    EXPECT_LT(library->index, dependent->index);
    EXPECT_EQ(library->refs, 1u);
    EXPECT_EQ(kexts().find(kDependentID)->linkedAgainst, (std::vector<unsigned>{library->index, 4}));
    EXPECT_NE(std::find(library->classes.begin(), library->classes.end(), "com_example_iolab_test_LibraryService"),
              library->classes.end());

    auto refused = kexts().unload(kLibraryID);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.code(), kIOReturnBusy);
    EXPECT_NE(refused.error().message.find(kDependentID), std::string::npos) << refused.error().message;
    EXPECT_TRUE(kexts().find(kLibraryID));
    EXPECT_TRUE(isMapped(executableOf(builtKext("TestLibrary"))));

    ASSERT_TRUE(kexts().unload(kDependentID).ok());
    EXPECT_EQ(kexts().find(kLibraryID)->refs, 0u);
    ASSERT_TRUE(kexts().unload(kLibraryID).ok());
    EXPECT_FALSE(isMapped(executableOf(builtKext("TestLibrary"))));
    EXPECT_FALSE(isMapped(executableOf(builtKext("TestDependent"))));
}

// Without the library in the search path the dependent cannot load; loaded by
// hand first, the library satisfies it.
TEST_F(KextTest, DependentNeedsItsLibrary)
{
    const RuntimeSnapshot before = snapshot(*runtime);
    auto refused = kexts().load(builtKext("TestDependent"));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find(kLibraryID), std::string::npos) << refused.error().message;
    EXPECT_EQ(before, snapshot(*runtime)) << describeDifference(before, snapshot(*runtime));
    EXPECT_FALSE(isMapped(executableOf(builtKext("TestDependent"))));

    ASSERT_TRUE(mustLoad(builtKext("TestLibrary")));
    ASSERT_TRUE(mustLoad(builtKext("TestDependent")));
    EXPECT_EQ(kexts().find(kLibraryID)->refs, 1u);
}

// spec 01 §3 item 25 and §1.5: rows in load order, <linked against> indices,
// and Address/Size of each loaded executable equal to its mapping.
TEST_F(KextTest, KextstatRowsFollowLoadOrderAndRealMappings)
{
    kexts().setSearchPath({builtKextDirectory()});
    // Built-in families link against the KPIs too, so Refs start above 0.
    const unsigned libkernRefs = kexts().find("com.apple.kpi.libkern")->refs;
    const unsigned iokitRefs = kexts().find("com.apple.kpi.iokit")->refs;
    ASSERT_TRUE(mustLoad(sampleKext("HelloWorld")));
    ASSERT_TRUE(mustLoad(sampleKext("IOKitTest")));
    ASSERT_TRUE(mustLoad(builtKext("TestDependent")));

    const auto rows = kexts().loaded();
    const std::vector<std::string> builtins = {"com.apple.kpi.bsd", "com.apple.kpi.dsep", "com.apple.kpi.iokit",
                                               "com.apple.kpi.libkern", "com.apple.kpi.mach"};
    for (size_t i = 0; i < builtins.size(); ++i) {
        EXPECT_EQ(rows[i].bundleID, builtins[i]);
        EXPECT_EQ(rows[i].index, i + 1);
    }
    for (size_t i = 1; i < rows.size(); ++i)
        EXPECT_LT(rows[i - 1].index, rows[i].index) << "rows come in load order";
    const std::vector<std::string> tail = {kHelloWorldID, kIOKitTestID, kLibraryID, kDependentID};
    ASSERT_GE(rows.size(), tail.size());
    for (size_t i = 0; i < tail.size(); ++i)
        EXPECT_EQ(rows[rows.size() - tail.size() + i].bundleID, tail[i]);

    auto indexOf = [&](const std::string& id) { return kexts().find(id)->index; };
    EXPECT_EQ(kexts().find(kIOKitTestID)->linkedAgainst,
              (std::vector<unsigned>{indexOf("com.apple.kpi.libkern"), indexOf("com.apple.kpi.iokit")}));
    EXPECT_EQ(kexts().find("com.apple.kpi.iokit")->refs, iokitRefs + 2)
        << "IOKitTest and TestLibrary link against kpi.iokit";
    EXPECT_EQ(kexts().find("com.apple.kpi.libkern")->refs, libkernRefs + 4)
        << "HelloWorld, IOKitTest, TestLibrary and TestDependent link against libkern";

    const std::string table = kexts().kextstat();
    const std::regex rowPattern(R"(^\s*(\d+)\s+(\d+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+) \(([^)]*)\)( <([0-9 ]+)>)?$)");
    for (const iolab::KextInfo& row : rows) {
        const std::string line = kextstatRow(table, row.bundleID);
        std::smatch match;
        ASSERT_TRUE(std::regex_match(line, match, rowPattern)) << "malformed row: " << line;
        EXPECT_EQ(std::stoul(match[1]), row.index);
        EXPECT_EQ(std::stoul(match[2]), row.refs);
        EXPECT_EQ(std::stoull(match[3], nullptr, 16), row.address);
        EXPECT_EQ(std::stoull(match[4], nullptr, 16), row.size);
        EXPECT_EQ(match[6].str(), row.bundleID);
        std::string linked;
        for (unsigned index : row.linkedAgainst)
            linked += (linked.empty() ? "" : " ") + std::to_string(index);
        EXPECT_EQ(match[9].str(), linked) << line;
        if (row.builtIn) {
            EXPECT_EQ(row.address, 0u) << row.bundleID;
            continue;
        }
        const auto mapping = mappingOf(executableOf(row.path));
        ASSERT_TRUE(mapping) << row.bundleID << " is not mapped";
        EXPECT_EQ(row.address, mapping->start) << row.bundleID;
        EXPECT_EQ(row.size, mapping->end - mapping->start) << row.bundleID;
        EXPECT_EQ(row.wired, row.size) << row.bundleID;
        EXPECT_EQ(row.address % 4096, 0u);
        // The kext's own record lies inside the range kextstat gives.
        void* handle = ::dlopen(executableOf(row.path).c_str(), RTLD_NOW | RTLD_NOLOAD);
        ASSERT_TRUE(handle) << row.bundleID;
        const auto record = reinterpret_cast<uint64_t>(::dlsym(handle, "iolab_kext_record"));
        ::dlclose(handle);
        EXPECT_GE(record, row.address) << row.bundleID;
        EXPECT_LT(record, row.address + row.size) << row.bundleID;
    }
}

// spec 01 §3 item 28: an I/O Kit kext whose provider does not exist yet is
// loaded, but no instance is made until a matching nub appears.
TEST_F(KextTest, DriverWaitsForItsProvider)
{
    constexpr const char* kLateClass = "com_example_iolab_test_LateDriver";
    uint64_t mark = logPosition();
    ASSERT_TRUE(mustLoad(builtKext("LateDriver")));
    EXPECT_TRUE(kexts().find("com.example.iolab.test.LateDriver"));
    EXPECT_TRUE(OSMetaClass::getMetaClassWithName(kLateClass)) << "the class is loaded";
    EXPECT_EQ(instanceCount(kLateClass), 0u) << "no provider yet, so no instance";
    EXPECT_LT(lineOf(logSince(mark), "LateDriver::start"), 0);

    OSSharedPtr<KextTestNub> nub(new KextTestNub, OSNoRetain);
    ASSERT_TRUE(nub->init());
    nub->setName("late-nub");
    ASSERT_TRUE(nub->attach(runtime->platformDevice()));
    mark = logPosition();
    nub->registerService();
    ASSERT_TRUE(quiet());
    EXPECT_GE(lineOf(logSince(mark), "LateDriver::start on late-nub"), 0);
    EXPECT_EQ(instanceCount(kLateClass), 1u);
    EXPECT_EQ(clientsOfClass(nub.get(), kLateClass).size(), 1u);

    // Unloading terminates the driver; its nub stays.
    mark = logPosition();
    ASSERT_TRUE(kexts().unload("com.example.iolab.test.LateDriver").ok());
    const auto log = logSince(mark);
    EXPECT_GE(lineOf(log, "LateDriver::stop"), 0);
    EXPECT_GT(lineOf(log, "LateDriver::free"), lineOf(log, "LateDriver::stop"));
    EXPECT_FALSE(nub->isInactive());
    EXPECT_FALSE(OSMetaClass::getMetaClassWithName(kLateClass));
    ASSERT_TRUE(nub->terminate());
    ASSERT_TRUE(quiet());
}

// spec 01 §3 item 28: a generic kext loads on request and runs at once; the
// runtime's shutdown unloads what is still loaded (dependents first).
TEST_F(KextTest, ShutdownUnloadsEverythingInReverse)
{
    kexts().setSearchPath({builtKextDirectory()});
    ASSERT_TRUE(mustLoad(builtKext("TestDependent")));
    ASSERT_TRUE(mustLoad(sampleKext("IOKitTest")));
    const uint64_t mark = logPosition();
    runtime.reset();
    const auto log = logSince(mark);
    const long dependent = lineOf(log, std::string("kext: unloaded ") + kDependentID);
    const long library = lineOf(log, std::string("kext: unloaded ") + kLibraryID);
    ASSERT_GE(dependent, 0);
    ASSERT_GE(library, 0);
    EXPECT_LT(dependent, library);
    EXPECT_GE(lineOf(log, "IOKitTest::free"), 0);
    EXPECT_EQ(lineOf(log, "cannot unload"), -1);
}
