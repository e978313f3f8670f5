// SPDX-License-Identifier: GPL-2.0-or-later
// Matching at scale and registry dumps. Prints "VALUE <key> <number>" lines
// for bench/suites/matching.sh, after a human-readable summary.
//
// The catalogue holds 10,000 personalities spread over 50 provider classes, as
// a real system's are (PCI, USB, storage, …); 200 of them name the nubs' class
// and each of those matches one nub through a family key checked by the nub's
// matchPropertyTable. 1,000 nubs are registered at once and the time until the
// registry is quiet again is measured: lookup, grouping, probing and starting.
#include <IOKit/IOCatalogue.h>
#include <IOKit/IOService.h>
#include <iolab/IORegFormat.h>
#include <iolab/Runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

double nowMs()
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

} // namespace

/// A nub whose family key is "BenchID".
class BenchNub : public IOService {
    OSDeclareDefaultStructors(BenchNub)

public:
    bool matchPropertyTable(OSDictionary* table, SInt32* score) override
    {
        static const OSSymbol* key = OSSymbol::withCString("BenchID");
        auto* wanted = OSDynamicCast(OSNumber, table->getObject(key));
        if (!wanted)
            return true;
        OSSharedPtr<OSObject> mine(copyProperty(key), OSNoRetain);
        return mine && mine->isEqualTo(wanted);
    }
};
OSDefineMetaClassAndStructors(BenchNub, IOService)

class BenchDriver : public IOService {
    OSDeclareDefaultStructors(BenchDriver)
};
OSDefineMetaClassAndStructors(BenchDriver, IOService)

namespace {

OSArray* makePersonalities(unsigned total, unsigned forNubs)
{
    OSArray* list = OSArray::withCapacity(total);
    for (unsigned i = 0; i < total; ++i) {
        OSDictionary* personality = OSDictionary::withCapacity(6);
        const bool ours = i % (total / forNubs) == 0;
        const std::string provider = ours ? "BenchNub" : "BenchFamily" + std::to_string(i % 49);
        personality->setObject(kIOProviderClassKey, OSSharedPtr<OSString>(OSString::withCString(provider.c_str()), OSNoRetain).get());
        personality->setObject(kIOClassKey, OSSharedPtr<OSString>(OSString::withCString("BenchDriver"), OSNoRetain).get());
        personality->setObject("BenchID", OSSharedPtr<OSNumber>(OSNumber::withNumber(i / (total / forNubs), 32), OSNoRetain).get());
        personality->setObject(kIOProbeScoreKey, OSSharedPtr<OSNumber>(OSNumber::withNumber(i % 7, 32), OSNoRetain).get());
        personality->setObject(kCFBundleIdentifierKey,
                               OSSharedPtr<OSString>(OSString::withCString(("com.bench.driver" + std::to_string(i)).c_str()), OSNoRetain).get());
        list->setObject(personality);
        personality->release();
    }
    return list;
}

/// Registers `count` nubs under `provider` and returns the ms until quiet.
double registerNubs(iolab::Runtime& runtime, IOService* provider, unsigned count, std::vector<BenchNub*>& nubs)
{
    nubs.clear();
    for (unsigned i = 0; i < count; ++i) {
        auto* nub = new BenchNub;
        nub->init();
        nub->setProperty("BenchID", i, 32);
        nub->attach(provider);
        nubs.push_back(nub);
    }
    const double start = nowMs();
    for (BenchNub* nub : nubs)
        nub->registerService();
    runtime.waitQuiet();
    return nowMs() - start;
}

void terminateNubs(iolab::Runtime& runtime, std::vector<BenchNub*>& nubs)
{
    for (BenchNub* nub : nubs)
        nub->terminate();
    runtime.waitQuiet();
    for (BenchNub* nub : nubs)
        nub->release();
    nubs.clear();
}

/// Attaches `count` entries below `root` as a tree with ten children per
/// entry (five levels, like a machine's buses and devices), each with a few properties.
void buildSyntheticRegistry(IORegistryEntry* root, unsigned count)
{
    std::vector<IORegistryEntry*> entries;
    entries.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        auto* entry = new IORegistryEntry;
        entry->init();
        entry->setName(("entry" + std::to_string(i)).c_str());
        entry->setLocation(std::to_string(i % 32).c_str());
        entry->setProperty("IOName", ("pci8086," + std::to_string(1000 + i % 500)).c_str());
        entry->setProperty("vendor-id", 0x8086, 32);
        const uint8_t bytes[4] = {0x86, 0x80, uint8_t(i), 0};
        entry->setProperty("device-id", const_cast<uint8_t*>(bytes), 4);
        entry->setProperty("enabled", (i % 2) == 0);
        entry->attachToParent(i < 10 ? root : entries[i / 10 - 1], gIOServicePlane);
        entries.push_back(entry);
        entry->release(); // the registry holds it
    }
}

} // namespace

int main(int argc, char** argv)
{
    const unsigned reps = argc > 1 ? static_cast<unsigned>(std::max(5, std::atoi(argv[1]))) : 7;
    iolab::Runtime runtime;
    runtime.waitQuiet();

    // --- matching ----------------------------------------------------------
    OSArray* personalities = makePersonalities(10000, 200);
    runtime.catalogue()->addDrivers(personalities, false);
    personalities->release();
    std::printf("catalogue: %u personalities (200 for the nubs' class, the rest for 49 other families)\n",
                runtime.catalogue()->personalityCount());
    std::vector<double> times;
    std::vector<BenchNub*> nubs;
    unsigned started = 0;
    for (unsigned rep = 0; rep < reps; ++rep) {
        times.push_back(registerNubs(runtime, runtime.platformDevice(), 1000, nubs));
        started = BenchDriver::metaClass->getInstanceCount();
        terminateNubs(runtime, nubs);
    }
    const double matchMs = median(times);
    std::printf("registering 1,000 nubs until quiet: median %.2f ms over %u runs (%u drivers started each run)\n",
                matchMs, reps, started);
    std::printf("VALUE matching.ms %.3f\n", matchMs);
    std::printf("VALUE matching.nubs_per_s %.0f\n", 1000.0 / (matchMs / 1000.0));
    std::printf("VALUE matching.drivers_started %u\n", started);

    // --- dump and search of 100,000 entries ------------------------------------
    auto* top = new IORegistryEntry;
    top->init();
    top->setName("Synthetic");
    top->attachToParent(IORegistryEntry::getRegistryRoot(), gIOServicePlane);
    const double buildStart = nowMs();
    buildSyntheticRegistry(top, 100000);
    std::printf("built a 100,000-entry registry in %.0f ms\n", nowMs() - buildStart);
    iolab::ioreg::PrintOptions options;
    options.listProperties = true;
    std::vector<double> dumps, searches;
    size_t bytes = 0;
    for (unsigned rep = 0; rep < reps; ++rep) {
        const double start = nowMs();
        auto snapshot = iolab::ioreg::snapshot(top, gIOServicePlane);
        const std::string text = iolab::ioreg::print(snapshot, options);
        dumps.push_back(nowMs() - start);
        bytes = text.size();
        const double searchStart = nowMs();
        iolab::ioreg::PrintOptions search;
        search.name = "entry99999@31";
        search.subtrees = true;
        const std::string found = iolab::ioreg::print(snapshot, search);
        searches.push_back(nowMs() - searchStart);
        if (found.find("entry99999") == std::string::npos)
            std::printf("search did not find its entry\n");
    }
    std::printf("ioreg -l of 100,000 entries: median %.1f ms (%zu bytes); name search in the snapshot: %.2f ms\n",
                median(dumps), bytes, median(searches));
    std::printf("VALUE registry.dump_ms %.3f\n", median(dumps));
    std::printf("VALUE registry.search_ms %.3f\n", median(searches));
    // Plain entries are not services: the runtime's shutdown detaches them.
    top->release();
    return 0;
}
