// SPDX-License-Identifier: GPL-2.0-or-later
// Independent readers and writers: Python's plistlib and libplist's plistutil
// read what IOLab writes, and IOLab reads what plistlib writes, with the same
// values. Skipped (with the reason) where the tool is not installed.
#include "RandomTree.h"
#include "SerializationProperties.h"

#include <iolab/Serialization.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using iolab::test::Compare;
using iolab::test::RandomTree;
using iolab::test::TreeShape;
using iolab::test::treeDifference;

bool haveCommand(const std::string& probe)
{
    return std::system((probe + " >/dev/null 2>&1").c_str()) == 0;
}

/// Runs a shell command; returns its exit status and what it printed.
std::pair<int, std::string> run(const std::string& command)
{
    std::string output;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return {-1, "popen failed"};
    std::array<char, 4096> buffer{};
    size_t got;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        output.append(buffer.data(), got);
    const int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// A fresh directory for one test, removed afterwards.
class TempDir {
public:
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "iolab-serialization-XXXXXX").string();
        if (::mkdtemp(pattern.data()))
            m_path = pattern;
    }
    ~TempDir()
    {
        std::error_code ignored;
        if (!m_path.empty())
            fs::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

void writeFile(const fs::path& path, std::string_view bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string quoted(const fs::path& path)
{
    return "'" + path.string() + "'";
}

// Reads every in<N>.plist with plistlib and writes it back as out<N>.xml and
// out<N>.bplist: if plistlib misread a value, the copy would differ.
constexpr const char* kPlistlibCopy = R"(import plistlib, sys
for name in sys.argv[2:]:
    with open(f"{sys.argv[1]}/in{name}.plist", "rb") as f:
        value = plistlib.load(f)
    with open(f"{sys.argv[1]}/out{name}.xml", "wb") as f:
        plistlib.dump(value, f, fmt=plistlib.FMT_XML)
    with open(f"{sys.argv[1]}/out{name}.bplist", "wb") as f:
        plistlib.dump(value, f, fmt=plistlib.FMT_BINARY)
)";

TEST(SerializationInterop, PythonPlistlibReadsOurXMLAndWeReadItsOutput)
{
    if (!haveCommand("python3 -c 'import plistlib'"))
        GTEST_SKIP() << "python3 with plistlib is not installed";
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    writeFile(dir.path() / "copy.py", kPlistlibCopy);

    constexpr int kTrees = 40;
    // plistlib writes every CR as LF (see the next test for reading them).
    TreeShape shape = TreeShape::propertyList();
    shape.carriageReturns = false;
    RandomTree trees(0x9e3779b97f4a7c15ULL, shape);
    std::vector<OSSharedPtr<OSObject>> originals;
    std::string names;
    for (int i = 0; i < kTrees; ++i) {
        originals.push_back(trees.root());
        auto xml = iolab::plist::toXML(originals.back().get());
        ASSERT_TRUE(xml.ok()) << xml.error().message;
        writeFile(dir.path() / ("in" + std::to_string(i) + ".plist"), xml.value());
        names += " " + std::to_string(i);
    }
    const auto [status, output] = run("python3 " + quoted(dir.path() / "copy.py") + " " + quoted(dir.path()) + names);
    ASSERT_EQ(status, 0) << output;

    for (int i = 0; i < kTrees; ++i) {
        for (const char* extension : {".xml", ".bplist"}) {
            const fs::path file = dir.path() / ("out" + std::to_string(i) + extension);
            auto back = iolab::plist::fromFile(file.string());
            ASSERT_TRUE(back.ok()) << back.error().message;
            EXPECT_EQ(treeDifference(originals[i].get(), back.value().get(), Compare::Values), "")
                << "tree " << i << " through plistlib as " << extension;
        }
    }
}

TEST(SerializationInterop, PythonPlistlibReadsTheCarriageReturnsWeWrite)
{
    if (!haveCommand("python3 -c 'import plistlib'"))
        GTEST_SKIP() << "python3 with plistlib is not installed";
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    OSSharedPtr<OSString> text(OSString::withCString("a\rb\r\nc"), OSNoRetain);
    auto xml = iolab::plist::toXML(text.get());
    ASSERT_TRUE(xml.ok()) << xml.error().message;
    writeFile(dir.path() / "cr.plist", xml.value());
    const auto [status, output] =
        run("python3 -c 'import plistlib, sys; print(plistlib.load(open(sys.argv[1], \"rb\")) == \"a\\rb\\r\\nc\")' " +
            quoted(dir.path() / "cr.plist"));
    ASSERT_EQ(status, 0) << output;
    EXPECT_EQ(output, "True\n") << xml.value();
}

// A fixed document written by plistlib, with what fromXML must read from it.
constexpr const char* kPlistlibWrites = R"(import datetime, plistlib, sys
value = {
    "IOClass": "IOPCIDevice",
    "special <&>\"'": "caf\u00e9 \u6f22\u5b57 \U0001F600",
    "negative": -42,
    "max": 2**64 - 1,
    "min": -2**63,
    "bytes": bytes(range(256)),
    "empty": b"",
    "flags": [True, False],
    "nested": {"list": [1, "two", [], {}]},
    "ratio": 0.1,
    "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
}
with open(sys.argv[1] + "/python.xml", "wb") as f:
    plistlib.dump(value, f, fmt=plistlib.FMT_XML)
with open(sys.argv[1] + "/python.bplist", "wb") as f:
    plistlib.dump(value, f, fmt=plistlib.FMT_BINARY)
)";

OSSharedPtr<OSObject> expectedPythonDocument()
{
    auto number = [](uint64_t value) { return OSSharedPtr<OSNumber>(OSNumber::withNumber(value, 64), OSNoRetain); };
    auto string = [](const char* text) { return OSSharedPtr<OSString>(OSString::withCString(text), OSNoRetain); };
    OSSharedPtr<OSDictionary> dict(OSDictionary::withCapacity(12), OSNoRetain);
    dict->setObject("IOClass", string("IOPCIDevice").get());
    dict->setObject("special <&>\"'", string("caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80").get());
    dict->setObject("negative", number(uint64_t(-42)).get());
    dict->setObject("max", number(~uint64_t(0)).get());
    dict->setObject("min", number(uint64_t(1) << 63).get());
    std::array<uint8_t, 256> bytes{};
    for (unsigned i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<uint8_t>(i);
    OSSharedPtr<OSData> data(OSData::withBytes(bytes.data(), bytes.size()), OSNoRetain);
    dict->setObject("bytes", data.get());
    OSSharedPtr<OSData> empty(OSData::withCapacity(0), OSNoRetain);
    dict->setObject("empty", empty.get());
    OSSharedPtr<OSArray> flags(OSArray::withCapacity(2), OSNoRetain);
    flags->setObject(kOSBooleanTrue);
    flags->setObject(kOSBooleanFalse);
    dict->setObject("flags", flags.get());
    OSSharedPtr<OSArray> list(OSArray::withCapacity(4), OSNoRetain);
    list->setObject(number(1).get());
    list->setObject(string("two").get());
    OSSharedPtr<OSArray> emptyArray(OSArray::withCapacity(0), OSNoRetain);
    OSSharedPtr<OSDictionary> emptyDict(OSDictionary::withCapacity(0), OSNoRetain);
    list->setObject(emptyArray.get());
    list->setObject(emptyDict.get());
    OSSharedPtr<OSDictionary> nested(OSDictionary::withCapacity(1), OSNoRetain);
    nested->setObject("list", list.get());
    dict->setObject("nested", nested.get());
    // <real> and <date> are read as their text.
    dict->setObject("ratio", string("0.1").get());
    dict->setObject("when", string("2024-01-02T03:04:05Z").get());
    return dict;
}

TEST(SerializationInterop, WeReadWhatPythonPlistlibWrites)
{
    if (!haveCommand("python3 -c 'import plistlib'"))
        GTEST_SKIP() << "python3 with plistlib is not installed";
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    writeFile(dir.path() / "write.py", kPlistlibWrites);
    const auto [status, output] = run("python3 " + quoted(dir.path() / "write.py") + " " + quoted(dir.path()));
    ASSERT_EQ(status, 0) << output;

    const OSSharedPtr<OSObject> expected = expectedPythonDocument();
    for (const char* name : {"python.xml", "python.bplist"}) {
        auto read = iolab::plist::fromFile((dir.path() / name).string());
        ASSERT_TRUE(read.ok()) << name << ": " << read.error().message;
        EXPECT_EQ(treeDifference(expected.get(), read.value().get(), Compare::Values), "") << name;
    }
}

TEST(SerializationInterop, PlistutilConvertsOurXMLToBinaryAndBack)
{
    if (!haveCommand("command -v plistutil"))
        GTEST_SKIP() << "plistutil (libplist-utils) is not installed";
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    RandomTree trees(0x5eed5eed5eedULL, TreeShape::propertyList());
    for (int i = 0; i < 25; ++i) {
        OSSharedPtr<OSObject> tree = trees.root();
        auto xml = iolab::plist::toXML(tree.get());
        ASSERT_TRUE(xml.ok()) << xml.error().message;
        const fs::path in = dir.path() / "in.plist", binary = dir.path() / "out.bplist",
                       back = dir.path() / "back.plist";
        writeFile(in, xml.value());
        // plistutil converts to the other format unless told otherwise.
        auto [status, output] = run("plistutil -i " + quoted(in) + " -o " + quoted(binary));
        ASSERT_EQ(status, 0) << output;
        std::tie(status, output) = run("plistutil -i " + quoted(binary) + " -o " + quoted(back));
        ASSERT_EQ(status, 0) << output;

        auto fromBinary = iolab::plist::fromFile(binary.string());
        ASSERT_TRUE(fromBinary.ok()) << fromBinary.error().message;
        EXPECT_EQ(treeDifference(tree.get(), fromBinary.value().get(), Compare::Values), "") << "tree " << i;
        auto fromXml = iolab::plist::fromFile(back.string());
        ASSERT_TRUE(fromXml.ok()) << fromXml.error().message;
        EXPECT_EQ(treeDifference(tree.get(), fromXml.value().get(), Compare::Values), "") << "tree " << i;
    }
}

} // namespace
