// SPDX-License-Identifier: GPL-2.0-or-later
// Kext version strings (CFBundleVersion, OSBundleLibraries): Apple's
// major[.minor[.revision]][stage number] with the stages development < alpha <
// beta < final candidate < release. Reference: spec 01 §1.4 and §3 item 24;
// spec 05 §1.4 (com.apple.iokit.IOAudioFamily 1.7.9fc8).
#include <iolab/KextManager.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using iolab::parseKextVersion;

namespace {

uint64_t version(const char* text)
{
    const auto parsed = parseKextVersion(text);
    EXPECT_TRUE(parsed.has_value()) << "\"" << text << "\" should parse";
    return parsed.value_or(0);
}

} // namespace

TEST(KextVersion, StagesOrderBeforeTheRelease)
{
    const std::vector<const char*> ascending = {"1.7.9d1", "1.7.9a1", "1.7.9b1", "1.7.9fc1", "1.7.9", "1.7.10"};
    for (size_t i = 0; i + 1 < ascending.size(); ++i)
        EXPECT_LT(version(ascending[i]), version(ascending[i + 1])) << ascending[i] << " < " << ascending[i + 1];
}

TEST(KextVersion, StageNumbersAndComponentsCompareNumerically)
{
    EXPECT_LT(version("1.7.9fc8"), version("1.7.9fc10"));
    EXPECT_LT(version("1.7.9b99"), version("1.7.9fc1"));
    EXPECT_LT(version("1.7.9d255"), version("1.7.9a1"));
    EXPECT_LT(version("1.7.9fc8"), version("1.8.0")) << "the built-in IOAudioFamily satisfies 1.7.9fc8";
    EXPECT_LT(version("1.8.0"), version("1.8.1"));
    EXPECT_LT(version("1.9"), version("1.10"));
    EXPECT_LT(version("9.0.0"), version("12.0.0"));
    EXPECT_LT(version("99.99.99"), version("100"));
    EXPECT_LT(version("2.1.3"), version("2.1.4d1")) << "a later revision in development is still later";
}

TEST(KextVersion, MissingComponentsAreZero)
{
    EXPECT_EQ(version("1"), version("1.0"));
    EXPECT_EQ(version("1"), version("1.0.0"));
    EXPECT_EQ(version("3.0d5"), version("3.0.0d5"));
    EXPECT_EQ(version("1.7.9f8"), version("1.7.9fc8")) << "f is short for fc";
}

TEST(KextVersion, MalformedStringsAreRejected)
{
    for (const char* text : {"", "1.", ".1", "1..2", "1.2.3.4", "a1", "1.7.9x1", "1.7.9fc", "1.7.9d0", "1.7.9b",
                             "1.7.9fc256", "12345", "1.100", "1.7.100", "1.7.9fc8 ", " 1.7", "1.7.9fc8b1", "-1",
                             "1.2-beta", "${MODULE_VERSION}"}) {
        EXPECT_FALSE(parseKextVersion(text).has_value()) << "\"" << text << "\" should be rejected";
    }
}

TEST(KextVersion, LimitsOfEachComponentAreAccepted)
{
    EXPECT_TRUE(parseKextVersion("9999.99.99fc255"));
    EXPECT_TRUE(parseKextVersion("0"));
    EXPECT_LT(version("0.0.1d1"), version("9999.99.99fc255"));
}
