// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the kext manager tests: where the bundles are, a fixture that boots
// a runtime per test, a snapshot of everything a kext load may change (so a
// refused load can be shown to have changed nothing), and readers for the
// IOLog ring and /proc/self/maps.
#pragma once

#include <IOKit/IOService.h>
#include <iolab/KextManager.h>
#include <iolab/Runtime.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace iolab::kexttest {

/// The sample drivers of drivers/ (HelloWorld, IOKitTest), as built.
std::string sampleKext(const std::string& name);
/// A bundle built by tests/kext/CMakeLists.txt from tests/data/bundles/sources.
std::string builtKext(const std::string& name);
/// The directory builtKext's bundles are in (a search path for OSBundleLibraries).
std::string builtKextDirectory();
/// A bundle laid out as a plain directory under tests/data/bundles.
std::string dataKext(const std::string& name);
/// The executable of a bundle: <bundle>/Contents/Linux/<name>.so.
std::string executableOf(const std::string& bundle);

/// A nub class the runtime does not create by itself: the LateDriver kext's
/// personality names it as IOProviderClass.
class KextTestNub : public IOService {
    OSDeclareDefaultStructors(KextTestNub)
};

/// Everything a kext load or unload can change in a runtime.
struct RuntimeSnapshot {
    std::string kextstat;                      ///< every row, with refs, addresses and indices
    std::vector<std::string> classes;          ///< "name (bundle)" of every registered class
    std::map<std::string, unsigned> instances; ///< live instances of registry classes and bundle classes
    unsigned personalities = 0;                ///< catalogue personalities
    std::vector<std::string> services;         ///< "class name" of every IOService-plane entry
    bool operator==(const RuntimeSnapshot&) const = default;
};
RuntimeSnapshot snapshot(iolab::Runtime& runtime);
/// What differs between two snapshots, for failure messages.
std::string describeDifference(const RuntimeSnapshot& before, const RuntimeSnapshot& after);

/// Live instances of `className` (0 if no such class is registered).
unsigned instanceCount(const char* className);

/// The IOLog ring's lines from sequence `from` on (see LogRing::nextSequence()).
std::vector<std::string> logSince(uint64_t from);
uint64_t logPosition();

/// A mapping of a file in this process, from /proc/self/maps: the lowest start
/// and highest end of its lines, or nullopt when the file is not mapped.
struct Mapping {
    uint64_t start = 0;
    uint64_t end = 0;
};
std::optional<Mapping> mappingOf(const std::string& file);
bool isMapped(const std::string& file);

/// Boots a runtime for each test and shuts it down afterwards; afterwards no
/// bundle executable of this test suite may still be mapped.
class KextTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    ::testing::AssertionResult quiet();
    iolab::KextManager& kexts() { return runtime->kexts(); }
    /// Loads a bundle and waits for matching; fails the test if it does not load.
    std::optional<iolab::KextInfo> mustLoad(const std::string& path);

    std::unique_ptr<iolab::Runtime> runtime;
};

inline constexpr uint64_t kQuietTimeoutNs = 30'000'000'000ull;

} // namespace iolab::kexttest
