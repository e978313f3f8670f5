// SPDX-License-Identifier: GPL-2.0-or-later
#include "KextTestSupport.h"

#include <IOKit/IOCatalogue.h>
#include <IOKit/IORegistryEntry.h>
#include <iolab/LogRing.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace iolab::kexttest {

namespace fs = std::filesystem;

OSDefineMetaClassAndStructors(KextTestNub, IOService)

std::string sampleKext(const std::string& name)
{
    return std::string(IOLAB_KEXT_SAMPLE_DIR) + "/" + name + ".kext";
}

std::string builtKext(const std::string& name)
{
    return builtKextDirectory() + "/" + name + ".kext";
}

std::string builtKextDirectory()
{
    return IOLAB_KEXT_BUILT_DIR;
}

std::string dataKext(const std::string& name)
{
    return std::string(IOLAB_KEXT_DATA_DIR) + "/" + name + ".kext";
}

std::string executableOf(const std::string& bundle)
{
    const std::string name = fs::path(bundle).stem().string();
    return bundle + "/Contents/Linux/" + name + ".so";
}

RuntimeSnapshot snapshot(iolab::Runtime& runtime)
{
    RuntimeSnapshot shot;
    shot.kextstat = runtime.kexts().kextstat();
    for (const OSMetaClass* meta : OSMetaClass::allClasses()) {
        shot.classes.push_back(std::string(meta->getClassName()) + " (" + meta->getKmodNameCString() + ")");
        // libkern's containers are left out: the runtime's threads free their
        // temporaries a moment after they report quiet.
        const bool tracked = meta->isSubclassOf(IORegistryEntry::metaClass) ||
                             std::string(meta->getKmodNameCString()) != "__kernel__";
        if (tracked && meta->getInstanceCount())
            shot.instances[meta->getClassName()] = meta->getInstanceCount();
    }
    shot.personalities = runtime.catalogue()->personalityCount();
    OSSharedPtr<IORegistryIterator> it(
        IORegistryIterator::iterateOver(IORegistryEntry::getRegistryRoot(), gIOServicePlane, kIORegistryIterateRecursively),
        OSNoRetain);
    while (IORegistryEntry* entry = it ? OSDynamicCast(IORegistryEntry, it->getNextObject()) : nullptr)
        shot.services.push_back(std::string(entry->getMetaClass()->getClassName()) + " " + entry->getName());
    return shot;
}

std::string describeDifference(const RuntimeSnapshot& before, const RuntimeSnapshot& after)
{
    std::ostringstream out;
    if (before.kextstat != after.kextstat)
        out << "kextstat before:\n" << before.kextstat << "kextstat after:\n" << after.kextstat;
    // Only what was added or removed, so a failure reads at a glance.
    auto list = [&](const char* what, const std::vector<std::string>& a, const std::vector<std::string>& b) {
        if (a == b)
            return;
        bool changed = false;
        for (const auto& item : a) {
            if (std::find(b.begin(), b.end(), item) == b.end()) {
                out << what << " lost: " << item << "\n";
                changed = true;
            }
        }
        for (const auto& item : b) {
            if (std::find(a.begin(), a.end(), item) == a.end()) {
                out << what << " gained: " << item << "\n";
                changed = true;
            }
        }
        if (!changed)
            out << what << ": the same members in a different order\n";
    };
    list("classes", before.classes, after.classes);
    list("services", before.services, after.services);
    if (before.instances != after.instances) {
        out << "instances before:";
        for (const auto& [name, count] : before.instances)
            out << " " << name << "=" << count;
        out << "\ninstances after:";
        for (const auto& [name, count] : after.instances)
            out << " " << name << "=" << count;
        out << "\n";
    }
    if (before.personalities != after.personalities)
        out << "personalities: " << before.personalities << " -> " << after.personalities << "\n";
    return out.str();
}

unsigned instanceCount(const char* className)
{
    const OSMetaClass* meta = OSMetaClass::getMetaClassWithName(className);
    return meta ? meta->getInstanceCount() : 0;
}

std::vector<std::string> logSince(uint64_t from)
{
    std::vector<std::string> lines;
    for (const LogLine& line : LogRing::global().read(from).lines)
        lines.push_back(line.text);
    return lines;
}

uint64_t logPosition()
{
    return LogRing::global().nextSequence();
}

std::optional<Mapping> mappingOf(const std::string& file)
{
    std::error_code error;
    const std::string real = fs::weakly_canonical(file, error).string();
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::optional<Mapping> found;
    while (std::getline(maps, line)) {
        // start-end perms offset dev inode   pathname
        unsigned long long start = 0, end = 0;
        char perms[8] = {}, device[16] = {};
        unsigned long long offset = 0, inode = 0;
        int consumed = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %15s %llu %n", &start, &end, perms, &offset, device, &inode,
                        &consumed) < 6)
            continue;
        std::string path = line.substr(static_cast<size_t>(consumed));
        if (path != real)
            continue;
        if (!found)
            found = Mapping{start, end};
        found->start = std::min<uint64_t>(found->start, start);
        found->end = std::max<uint64_t>(found->end, end);
    }
    return found;
}

bool isMapped(const std::string& file)
{
    return mappingOf(file).has_value();
}

void KextTest::SetUp()
{
    runtime = std::make_unique<iolab::Runtime>();
    ASSERT_TRUE(quiet());
}

void KextTest::TearDown()
{
    runtime.reset();
    // Every bundle executable must be gone with the runtime that loaded it.
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        EXPECT_EQ(line.find(".kext/Contents/Linux/"), std::string::npos)
            << "a bundle executable is still mapped after the runtime shut down: " << line;
    }
}

::testing::AssertionResult KextTest::quiet()
{
    if (runtime->waitQuiet(kQuietTimeoutNs) == kIOReturnSuccess)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the runtime did not become quiet";
}

std::optional<iolab::KextInfo> KextTest::mustLoad(const std::string& path)
{
    auto result = kexts().load(path);
    EXPECT_TRUE(result.ok()) << path << ": " << (result.ok() ? "" : result.error().message);
    if (!result.ok())
        return std::nullopt;
    EXPECT_TRUE(quiet());
    return result.value();
}

} // namespace iolab::kexttest
