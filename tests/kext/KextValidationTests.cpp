// SPDX-License-Identifier: GPL-2.0-or-later
// Broken bundles, one per failure kind (tests/data/bundles): what kextutil -t
// (KextManager::validate) reports, and that load refuses them for the same
// reason without changing the runtime. Reference: DESIGN.md §3 "Kexts";
// spec 01 §1.4, §1.5 and §3 items 22 and 24; spec 05 §1.4 (families, versions
// like 1.7.9fc8, com.apple.kpi.private).
#include "KextTestSupport.h"

#include <iolab/KextManager.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <unistd.h>

using namespace iolab::kexttest;

namespace {

struct BrokenBundle {
    const char* name;          ///< the test's name
    std::string path;          ///< the bundle
    std::vector<std::string> phrases; ///< each must appear in validate's and load's text
    std::string prerequisite;  ///< a bundle loaded first (empty: none)
    bool hasExecutable = false; ///< the bundle's .so must not stay mapped
};

BrokenBundle broken(const char* name, std::string path, std::vector<std::string> phrases,
                    std::string prerequisite = {}, bool hasExecutable = false)
{
    return BrokenBundle{name, std::move(path), std::move(phrases), std::move(prerequisite), hasExecutable};
}

void PrintTo(const BrokenBundle& bundle, std::ostream* out)
{
    *out << bundle.name;
}

std::vector<BrokenBundle> brokenBundles()
{
    return {
        broken("NoInfoPlist", dataKext("NoInfoPlist"), {"Contents/Info.plist is missing"}),
        broken("MalformedInfoPlist", dataKext("MalformedInfoPlist"), {"not a valid property list", "line 8, column"}),
        broken("NoBundleIdentifier", dataKext("NoBundleIdentifier"), {"CFBundleIdentifier is missing"}),
        broken("BundleIdentifierNotString",
               dataKext("BundleIdentifierNotString"),
               {"CFBundleIdentifier must be a string", "OSNumber"}),
        broken("BadBundleVersion", dataKext("BadBundleVersion"), {"CFBundleVersion \"1.0.0.0b\" is not a kext version"}),
        broken("LibrariesNotDictionary", dataKext("LibrariesNotDictionary"), {"OSBundleLibraries must be a dictionary"}),
        broken("PersonalityWithoutIOClass",
               dataKext("PersonalityWithoutIOClass"),
               {"personality \"NoClass\"", "no IOClass"}),
        broken("PersonalityWithoutProviderClass",
               dataKext("PersonalityWithoutProviderClass"),
               {"personality \"NoProvider\"", "no IOProviderClass"}),
        broken("IOClassNotDefinedByBinary",
               builtKext("IOClassNotDefined"),
               {"IOClass com_example_iolab_test_MissingClass", "not defined by the executable"},
               "",
               true),
        broken("LibraryNotFound", dataKext("LibraryNotFound"), {"com.example.iolab.test.NoSuchFamily", "no such library"}),
        broken("BuiltinLibraryTooOld",
               dataKext("AudioFamilyTooOld"),
               {"com.apple.iokit.IOAudioFamily", "found version 1.8.0", "1.8.1 or later is required"}),
        // TestLibrary (1.2.0) is in the search path: it is loaded for the
        // dependent, found too old, and must be unloaded again.
        broken("KextLibraryTooOld",
               dataKext("LibraryTooOld"),
               {"com.example.iolab.test.TestLibrary", "found version 1.2.0", "2.0 or later is required"}),
        broken("KextLibraryNotCompatible",
               dataKext("LibraryIncompatible"),
               {"com.example.iolab.test.TestLibrary", "compatible back to 1.0.0", "0.9"}),
        broken("UndefinedSymbolNotCovered",
               builtKext("UndefinedSymbol"),
               {"undefined symbol ", "comes from com.apple.kpi.iokit", "OSBundleLibraries does not declare"},
               "",
               true),
        broken("DuplicateClassSymbols",
               builtKext("DuplicateClass"),
               {"com_osxkernel_driver_IOKitTest", "already defined", "com.osxkernel.IOKitTest"},
               sampleKext("IOKitTest"),
               true),
        broken("DuplicateClassName",
               builtKext("DuplicateClassName"),
               {"class com_osxkernel_driver_IOKitTest is already defined"},
               sampleKext("IOKitTest"),
               true),
        broken("DuplicateRuntimeClass", builtKext("DuplicateRuntimeClass"), {"IOResources", "already defined"}, "", true),
        broken("DuplicateBundleID",
               dataKext("DuplicateBundleID"),
               {"com.osxkernel.HelloWorld", "already loaded"},
               sampleKext("HelloWorld")),
        broken("MissingExecutable", dataKext("MissingExecutable"), {"Contents/Linux/MissingExecutable.so is missing"}),
        broken("PrivateKPIRefused", dataKext("PrivateKPI"), {"com.apple.kpi.private", "refused"}),
    };
}

class BrokenBundleTest : public KextTest, public ::testing::WithParamInterface<BrokenBundle> {};

} // namespace

TEST_P(BrokenBundleTest, ValidateAndLoadRefuseItWithoutChangingTheRuntime)
{
    const BrokenBundle& bundle = GetParam();
    kexts().setSearchPath({builtKextDirectory()});
    if (!bundle.prerequisite.empty()) {
        ASSERT_TRUE(mustLoad(bundle.prerequisite));
    }
    const RuntimeSnapshot before = snapshot(*runtime);

    // kextutil -t: every problem, no change.
    const iolab::KextDiagnosis diagnosis = kexts().validate(bundle.path);
    const std::string report = diagnosis.text();
    EXPECT_FALSE(diagnosis.loadable()) << report;
    EXPECT_NE(report.find("would not load"), std::string::npos) << report;
    for (const std::string& phrase : bundle.phrases)
        EXPECT_NE(report.find(phrase), std::string::npos) << "validate does not say \"" << phrase << "\":\n" << report;
    ASSERT_TRUE(quiet());
    RuntimeSnapshot after = snapshot(*runtime);
    EXPECT_EQ(before, after) << "validate changed the runtime:\n" << describeDifference(before, after);

    // kextload: refused for the same reason, no change.
    const uint64_t logStart = logPosition();
    auto loaded = kexts().load(bundle.path);
    ASSERT_FALSE(loaded.ok()) << bundle.path << " loaded";
    const std::string& message = loaded.error().message;
    EXPECT_NE(message.find(bundle.path), std::string::npos) << "the message names the bundle:\n" << message;
    for (const std::string& phrase : bundle.phrases)
        EXPECT_NE(message.find(phrase), std::string::npos) << "load does not say \"" << phrase << "\":\n" << message;
    for (const std::string& error : diagnosis.errors)
        EXPECT_NE(message.find(error), std::string::npos)
            << "validate reported \"" << error << "\", load did not:\n" << message;
    ASSERT_TRUE(quiet());
    after = snapshot(*runtime);
    EXPECT_EQ(before, after) << "a refused load changed the runtime:\n" << describeDifference(before, after);
    if (!diagnosis.bundleID.empty() && bundle.prerequisite.empty()) {
        EXPECT_FALSE(kexts().find(diagnosis.bundleID)) << "the refused bundle is listed as loaded";
    }
    if (bundle.hasExecutable) {
        EXPECT_FALSE(isMapped(executableOf(bundle.path))) << "the refused executable stays mapped";
    }
    // The refusal is in the log too, as kextload's is in the system log.
    bool logged = false;
    for (const std::string& line : logSince(logStart))
        logged = logged || line.find(bundle.phrases.front()) != std::string::npos;
    EXPECT_TRUE(logged) << "the refusal is not in the IOLog ring";
}

INSTANTIATE_TEST_SUITE_P(Kext, BrokenBundleTest, ::testing::ValuesIn(brokenBundles()),
                         [](const ::testing::TestParamInfo<BrokenBundle>& info) { return info.param.name; });

// The malformed plist's error points at the bad closing tag "</strin>":
// line 8, column 15 (after a tab and "<string>1.0.0").
TEST_F(KextTest, MalformedInfoPlistNamesLineAndColumn)
{
    const auto diagnosis = kexts().validate(dataKext("MalformedInfoPlist"));
    ASSERT_EQ(diagnosis.errors.size(), 1u) << diagnosis.text();
    const std::regex where("line ([0-9]+), column ([0-9]+)");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(diagnosis.errors[0], match, where)) << diagnosis.errors[0];
    EXPECT_EQ(match[1].str(), "8") << diagnosis.errors[0];
    EXPECT_EQ(match[2].str(), "15") << diagnosis.errors[0];
    EXPECT_NE(diagnosis.errors[0].find("MalformedInfoPlist.kext/Contents/Info.plist"), std::string::npos)
        << "the message names the file: " << diagnosis.errors[0];
}

// Every problem of the Info.plist is reported at once, as kextutil lists
// them all, not only the first.
TEST_F(KextTest, ValidateReportsEveryProblemAtOnce)
{
    const auto diagnosis = kexts().validate(dataKext("ManyProblems"));
    EXPECT_FALSE(diagnosis.loadable());
    const std::string report = diagnosis.text();
    EXPECT_EQ(diagnosis.errors.size(), 4u) << report;
    for (const char* phrase : {"CFBundleIdentifier is missing", "CFBundleVersion \"one\" is not a kext version",
                               "OSBundleLibraries must be a dictionary", "personality \"Nameless\" has no IOClass"})
        EXPECT_NE(report.find(phrase), std::string::npos) << phrase << "\n" << report;
    auto loaded = kexts().load(dataKext("ManyProblems"));
    ASSERT_FALSE(loaded.ok());
    for (const std::string& error : diagnosis.errors)
        EXPECT_NE(loaded.error().message.find(error), std::string::npos) << error;
}

// Validating a good bundle says so, and loads nothing: the trial load is undone.
TEST_F(KextTest, ValidatingAGoodBundleLeavesNothingLoaded)
{
    const RuntimeSnapshot before = snapshot(*runtime);
    const uint64_t mark = logPosition();
    for (const char* sample : {"IOKitTest", "HelloWorld"}) {
        const auto good = kexts().validate(sampleKext(sample));
        EXPECT_TRUE(good.loadable()) << good.text();
        EXPECT_NE(good.text().find("appears to be loadable"), std::string::npos) << good.text();
        EXPECT_FALSE(isMapped(executableOf(sampleKext(sample)))) << sample;
    }
    ASSERT_TRUE(quiet());
    EXPECT_EQ(before, snapshot(*runtime)) << describeDifference(before, snapshot(*runtime));
    for (const std::string& line : logSince(mark))
        EXPECT_EQ(line.rfind("IOKitTest::", 0), std::string::npos) << "validate instantiated the driver: " << line;
}

// spec 05 §1.4: a family referenced as com.apple.iokit.IOAudioFamily 1.7.9fc8
// resolves against the built-in 1.8.0 (a final candidate precedes the release).
TEST_F(KextTest, FinalCandidateVersionOfAFamilyIsSatisfied)
{
    const auto diagnosis = kexts().validate(dataKext("AudioFamilyFinalCandidate"));
    EXPECT_TRUE(diagnosis.loadable()) << diagnosis.text();
    const unsigned audioRefs = kexts().find("com.apple.iokit.IOAudioFamily")->refs;
    auto info = mustLoad(dataKext("AudioFamilyFinalCandidate"));
    ASSERT_TRUE(info);
    const auto audio = kexts().find("com.apple.iokit.IOAudioFamily");
    ASSERT_TRUE(audio);
    EXPECT_NE(std::find(info->linkedAgainst.begin(), info->linkedAgainst.end(), audio->index),
              info->linkedAgainst.end())
        << "the kext links against IOAudioFamily";
    EXPECT_EQ(audio->refs, audioRefs + 1);
    EXPECT_TRUE(kexts().unload("com.example.iolab.test.AudioFamilyFinalCandidate").ok());
    EXPECT_EQ(kexts().find("com.apple.iokit.IOAudioFamily")->refs, audioRefs);
}

// Symbols that OSBundleLibraries do not cover are named by library, a few at
// a time: deriving from IOService alone pulls in about a hundred of them.
TEST_F(KextTest, UncoveredSymbolsAreSummarisedPerLibrary)
{
    const auto diagnosis = kexts().validate(builtKext("UndefinedSymbol"));
    ASSERT_FALSE(diagnosis.loadable());
    EXPECT_LE(diagnosis.errors.size(), 4u) << diagnosis.text();
    for (const std::string& error : diagnosis.errors)
        EXPECT_NE(error.find("com.apple.kpi.iokit"), std::string::npos) << error;
    EXPECT_NE(diagnosis.text().find("more undefined symbols from com.apple.kpi.iokit"), std::string::npos)
        << diagnosis.text();
    EXPECT_EQ(diagnosis.text().find("com.apple.kpi.libkern,"), std::string::npos)
        << "libkern is declared, so none of its symbols is reported";
}

// A second copy of a loaded bundle is refused by identifier.
TEST_F(KextTest, LoadingTheSameBundleTwiceIsRefused)
{
    ASSERT_TRUE(mustLoad(sampleKext("HelloWorld")));
    const RuntimeSnapshot before = snapshot(*runtime);
    auto again = kexts().load(sampleKext("HelloWorld"));
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("already loaded"), std::string::npos) << again.error().message;
    EXPECT_EQ(before, snapshot(*runtime));
}

// The optional permission check (spec 01 §1.5 and §3 item 26): owner 0:0,
// directories 0755, files 0644. A scratch copy of HelloWorld with a
// group-writable Info.plist is refused, naming the file and both modes; as a
// non-root user, the ownership is named too.
TEST_F(KextTest, PermissionCheckRefusesWrongModesAndOwners)
{
    namespace fs = std::filesystem;
    const fs::path scratch = fs::temp_directory_path() / ("iolab-kext-perm-" + std::to_string(::getpid()));
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    const fs::path bundle = scratch / "HelloWorld.kext";
    fs::copy(sampleKext("HelloWorld"), bundle, fs::copy_options::recursive);
    for (const auto& entry : fs::recursive_directory_iterator(bundle))
        fs::permissions(entry.path(), entry.is_directory() ? fs::perms(0755) : fs::perms(0644));
    fs::permissions(bundle, fs::perms(0755));
    fs::permissions(bundle / "Contents/Info.plist", fs::perms(0664));

    iolab::KextLoadOptions options;
    options.checkPermissions = true;
    const RuntimeSnapshot before = snapshot(*runtime);
    const uint64_t mark = logPosition();
    auto result = kexts().load(bundle.string(), options);
    ASSERT_FALSE(result.ok());
    const std::string& message = result.error().message;
    EXPECT_NE(message.find("Contents/Info.plist: mode 0664, must be 0644"), std::string::npos) << message;
    if (::geteuid() != 0) {
        EXPECT_NE(message.find("must be 0:0"), std::string::npos) << message;
    }
    ASSERT_TRUE(quiet());
    EXPECT_EQ(before, snapshot(*runtime)) << describeDifference(before, snapshot(*runtime));
    for (const std::string& line : logSince(mark))
        EXPECT_EQ(line.find("Hello world"), std::string::npos) << "the refused kext was started";

    // Without the check (the default), the same bundle loads.
    EXPECT_TRUE(mustLoad(bundle.string()));
    EXPECT_TRUE(kexts().unload("com.osxkernel.HelloWorld").ok());
    fs::remove_all(scratch);
}
