// SPDX-License-Identifier: GPL-2.0-or-later
// Load/unload endurance: IOKitTest loaded, matched, terminated and unloaded
// 1,000 times in one runtime. Nothing may accumulate: no instance, class,
// personality, registry entry, kextstat row or mapping of the executable.
#include "KextTestSupport.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace iolab::kexttest;

namespace {

constexpr const char* kIOKitTestClass = "com_osxkernel_driver_IOKitTest";
constexpr const char* kIOKitTestID = "com.osxkernel.IOKitTest";

int cycleCount()
{
    // IOLAB_KEXT_CYCLES shortens or lengthens the run by hand; the default is the 1,000 asked for.
    if (const char* text = std::getenv("IOLAB_KEXT_CYCLES"); text && std::atoi(text) > 0)
        return std::atoi(text);
    return 1000;
}

} // namespace

TEST_F(KextTest, ThousandLoadUnloadCyclesLeaveNothingBehind)
{
    const int cycles = cycleCount();
    const std::string bundle = sampleKext("IOKitTest");
    const std::string executable = executableOf(bundle);
    ASSERT_FALSE(isMapped(executable));
    const RuntimeSnapshot baseline = snapshot(*runtime);

    using Clock = std::chrono::steady_clock;
    Clock::duration loading{}, unloading{};
    const auto started = Clock::now();
    for (int cycle = 0; cycle < cycles; ++cycle) {
        const bool sampled = cycle % 50 == 0 || cycle == cycles - 1;
        const uint64_t mark = logPosition();

        const auto beforeLoad = Clock::now();
        auto loaded = kexts().load(bundle);
        ASSERT_TRUE(loaded.ok()) << "cycle " << cycle << ": " << loaded.error().message;
        ASSERT_TRUE(quiet()) << "cycle " << cycle;
        const auto beforeUnload = Clock::now();
        ASSERT_EQ(instanceCount(kIOKitTestClass), 1u) << "cycle " << cycle;
        if (sampled) {
            ASSERT_TRUE(isMapped(executable)) << "cycle " << cycle;
        }

        auto unloaded = kexts().unload(kIOKitTestID);
        ASSERT_TRUE(unloaded.ok()) << "cycle " << cycle << ": " << unloaded.error().message;
        const auto afterUnload = Clock::now();
        loading += beforeUnload - beforeLoad;
        unloading += afterUnload - beforeUnload;

        if (sampled) {
            ASSERT_FALSE(isMapped(executable)) << "cycle " << cycle << ": the executable is still mapped after unload";
            ASSERT_TRUE(quiet());
            const RuntimeSnapshot now = snapshot(*runtime);
            ASSERT_EQ(now, baseline) << "cycle " << cycle << ":\n" << describeDifference(baseline, now);
            std::vector<std::string> steps;
            for (const std::string& line : logSince(mark)) {
                if (line.rfind("IOKitTest::", 0) == 0)
                    steps.push_back(line);
            }
            ASSERT_EQ(steps, (std::vector<std::string>{"IOKitTest::init", "IOKitTest::probe", "IOKitTest::start",
                                                       "IOKitTest::stop", "IOKitTest::free"}))
                << "cycle " << cycle;
        }
    }
    const auto total = Clock::now() - started;

    ASSERT_TRUE(quiet());
    const RuntimeSnapshot end = snapshot(*runtime);
    EXPECT_EQ(end, baseline) << describeDifference(baseline, end);
    EXPECT_FALSE(isMapped(executable));
    EXPECT_FALSE(OSMetaClass::getMetaClassWithName(kIOKitTestClass));

    auto perCycleUs = [&](Clock::duration d) {
        return std::chrono::duration<double, std::micro>(d).count() / cycles;
    };
    std::printf("[ timing   ] %d load/unload cycles of IOKitTest: %.1f us per cycle (load+match %.1f us, "
                "unload %.1f us)\n",
                cycles, perCycleUs(total), perCycleUs(loading), perCycleUs(unloading));
    RecordProperty("cycles", cycles);
    RecordProperty("microseconds_per_cycle", static_cast<int>(perCycleUs(total)));
}
