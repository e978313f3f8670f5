// SPDX-License-Identifier: GPL-2.0-or-later
// Replays inputs the fuzzers found (tests/data/plist, tests/data/serialize)
// and the fuzzers' seed corpora through the same round-trip properties the
// fuzz targets check, so a normal build keeps them fixed.
#include "SerializationProperties.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using iolab::test::RoundTrip;

enum class Reader : uint8_t { XML, BinaryPlist, SerializeBinary };

std::vector<uint8_t> readFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

RoundTrip replay(const std::vector<uint8_t>& bytes, Reader reader)
{
    const auto limits = iolab::test::fuzzingLimits();
    switch (reader) {
    case Reader::XML:
        return iolab::test::xmlRoundTrip(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                                         limits);
    case Reader::BinaryPlist: return iolab::test::binaryPlistRoundTrip(bytes, limits);
    case Reader::SerializeBinary: return iolab::test::serializeBinaryRoundTrip(bytes, limits);
    }
    return {};
}

std::vector<fs::path> filesIn(const fs::path& directory)
{
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

/// Replays a directory; files named valid-* must be accepted, invalid-* refused.
void replayDirectory(const fs::path& directory, Reader reader, size_t minimum)
{
    if (minimum == 0 && !fs::exists(directory))
        return; // git keeps no empty directories
    ASSERT_TRUE(fs::is_directory(directory)) << directory;
    const auto files = filesIn(directory);
    EXPECT_GE(files.size(), minimum) << directory;
    for (const fs::path& file : files) {
        const std::vector<uint8_t> bytes = readFile(file);
        // A file that starts "bplist" in the plist data is a binary one.
        Reader chosen = reader;
        if (reader == Reader::XML && bytes.size() >= 6 && std::equal(bytes.begin(), bytes.begin() + 6, "bplist"))
            chosen = Reader::BinaryPlist;
        const RoundTrip outcome = replay(bytes, chosen);
        EXPECT_EQ(outcome.failure, "") << file;
        const std::string name = file.filename().string();
        if (name.rfind("valid-", 0) == 0) {
            EXPECT_TRUE(outcome.accepted) << file << ": " << outcome.message;
        }
        if (name.rfind("invalid-", 0) == 0) {
            EXPECT_FALSE(outcome.accepted) << file;
        }
    }
}

const fs::path kSource = IOLAB_SOURCE_DIR;
const fs::path kData = IOLAB_TEST_DATA_DIR;

TEST(SerializationRegressions, PlistInputsFoundByFuzzing)
{
    replayDirectory(kData / "plist", Reader::XML, 1);
}

TEST(SerializationRegressions, SerializeBinaryInputsFoundByFuzzing)
{
    replayDirectory(kData / "serialize", Reader::SerializeBinary, 0);
}

TEST(SerializationRegressions, XMLSeedCorpus)
{
    replayDirectory(kSource / "tests/fuzz/corpus/fuzz_plist_xml", Reader::XML, 5);
}

TEST(SerializationRegressions, BinaryPlistSeedCorpus)
{
    replayDirectory(kSource / "tests/fuzz/corpus/fuzz_plist_binary", Reader::BinaryPlist, 5);
}

TEST(SerializationRegressions, SerializeBinarySeedCorpus)
{
    replayDirectory(kSource / "tests/fuzz/corpus/fuzz_serialize_binary", Reader::SerializeBinary, 5);
}

} // namespace
