// SPDX-License-Identifier: GPL-2.0-or-later
// IOCatalogue: personalities added and removed at run time. Reference: DESIGN
// §3 "IOCatalogue"; spec 01 §1.3 and §3 items 3, 28.
#include "TestDrivers.h"

#include <iolab/LogRing.h>

using namespace iolab::test;
using Calls = std::vector<std::string>;

namespace {
class Catalogue : public RuntimeTest {};

bool logContains(uint64_t from, std::string_view needle)
{
    for (const iolab::LogLine& line : iolab::LogRing::global().read(from).lines) {
        if (line.text.find(needle) != std::string::npos)
            return true;
    }
    return false;
}
} // namespace

// Personalities added at run time match nubs that were registered before.
TEST_F(Catalogue, AddedPersonalitiesMatchExistingNubs)
{
    auto one = makeNub<TestNub>(platform(), "nub", "1");
    auto two = makeNub<TestNubSub>(platform(), "nub", "2");
    auto unregistered = makeNub<TestNub>(platform(), "nub", "3", nullptr, false);
    ASSERT_TRUE(quiet());
    EXPECT_TRUE(clientsOf(one.get()).empty());

    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub").get()}));
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(one.get()), Calls{"TestDriverA"});
    EXPECT_EQ(clientClassNames(two.get()), Calls{"TestDriverA"}) << "a subclass nub is concerned too";
    EXPECT_TRUE(clientsOf(unregistered.get()).empty()) << "only registered nubs are matched";
    EXPECT_EQ(gIOCatalogue->personalityCount(), 1u);
}

// Adding personalities without nub matching leaves existing nubs alone until startMatching.
TEST_F(Catalogue, AddWithoutNubMatchingThenStartMatching)
{
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    OSSharedPtr<OSArray> list = arrayOf({personality("TestDriverA", "TestNub").get()});
    ASSERT_TRUE(gIOCatalogue->addDrivers(list.get(), false));
    ASSERT_TRUE(quiet());
    EXPECT_TRUE(clientsOf(nub.get()).empty());
    OSSharedPtr<OSDictionary> matching(IOService::serviceMatching("TestNub"), OSNoRetain);
    ASSERT_TRUE(gIOCatalogue->startMatching(matching.get()));
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverA"});
}

// removeDrivers terminates the instances made from the removed personalities,
// and the nub is matched again with what is left.
TEST_F(Catalogue, RemoveDriversTerminatesInstances)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", 100).get(),
                                  personality("TestDriverB", "TestNub", 50).get(),
                                  personality("TestDriverC", "TestNub", 10, "other").get()}));
    auto one = makeNub<TestNub>(platform(), "nub", "1");
    auto two = makeNub<TestNub>(platform(), "nub", "2");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(one.get()), (Calls{"TestDriverA", "TestDriverC"}));
    EXPECT_EQ(clientClassNames(two.get()), (Calls{"TestDriverA", "TestDriverC"}));

    OSSharedPtr<OSDictionary> which(Dict().string(kIOClassKey, "TestDriverA").ptr());
    ASSERT_TRUE(gIOCatalogue->removeDrivers(which.get()));
    ASSERT_TRUE(quiet());
    ASSERT_TRUE(CallLog::waitFor("TestDriverA::free", 2));
    EXPECT_EQ(CallLog::count("TestDriverA::stop"), 2u);
    EXPECT_EQ(gIOCatalogue->personalityCount(), 2u);
    EXPECT_EQ(clientClassNames(one.get()), (Calls{"TestDriverB", "TestDriverC"})) << "B takes over A's category";
    EXPECT_EQ(clientClassNames(two.get()), (Calls{"TestDriverB", "TestDriverC"}));
    EXPECT_EQ(CallLog::count("TestDriverC::stop"), 0u) << "an unrelated driver was stopped";

    // A nub plugged now no longer gets A.
    auto three = makeNub<TestNub>(platform(), "nub", "3");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(three.get()), (Calls{"TestDriverB", "TestDriverC"}));
}

// The same personality added twice is stored once.
TEST_F(Catalogue, DuplicatePersonalityAddedOnce)
{
    auto a = personality("TestDriverA", "TestNub", 5, "dup");
    a.string("Extra", "x");
    ASSERT_TRUE(addPersonalities({a.get()}));
    // An equal dictionary that is a different object counts as the same personality.
    auto copy = personality("TestDriverA", "TestNub", 5, "dup");
    copy.string("Extra", "x");
    ASSERT_TRUE(addPersonalities({a.get(), copy.get()}));
    EXPECT_EQ(gIOCatalogue->personalityCount(), 1u);
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    OSSharedPtr<OSOrderedSet> found(gIOCatalogue->findDrivers(nub.get()), OSNoRetain);
    EXPECT_EQ(found->getCount(), 1u);
    EXPECT_EQ(CallLog::count("TestDriverA::init"), 1u) << "the duplicate was offered to the nub";

    // A personality that differs in one value is a different one.
    auto other = personality("TestDriverA", "TestNub", 5, "dup");
    other.string("Extra", "y");
    ASSERT_TRUE(addPersonalities({other.get()}));
    EXPECT_EQ(gIOCatalogue->personalityCount(), 2u);
}

// A personality without IOClass or IOProviderClass is skipped with a log line;
// addDrivers says so, and the valid ones in the same list are still added.
TEST_F(Catalogue, IncompletePersonalitySkippedAndLogged)
{
    const uint64_t from = iolab::LogRing::global().nextSequence();
    Dict noClass;
    noClass.string(kIOProviderClassKey, "TestNub").string(kCFBundleIdentifierKey, "com.example.noclass");
    Dict noProvider;
    noProvider.string(kIOClassKey, "TestDriverB").string(kCFBundleIdentifierKey, "com.example.noprovider");
    EXPECT_FALSE(addPersonalities({noClass.get(), personality("TestDriverA", "TestNub").get(), noProvider.get()}));
    EXPECT_EQ(gIOCatalogue->personalityCount(), 1u);
    EXPECT_TRUE(logContains(from, "com.example.noclass")) << "the skipped personality is not named in the log";
    EXPECT_TRUE(logContains(from, "com.example.noprovider"));
    EXPECT_TRUE(logContains(from, "IOClass"));
    EXPECT_TRUE(logContains(from, "IOProviderClass"));

    // Wrong types count as missing; a non-dictionary entry is skipped too.
    Dict numberClass;
    numberClass.number(kIOClassKey, 3).string(kIOProviderClassKey, "TestNub");
    OSSharedPtr<OSString> notADictionary(OSString::withCString("nope"), OSNoRetain);
    OSSharedPtr<OSArray> list = arrayOf({numberClass.get(), notADictionary.get()});
    EXPECT_FALSE(gIOCatalogue->addDrivers(list.get()));
    EXPECT_EQ(gIOCatalogue->personalityCount(), 1u);
    EXPECT_FALSE(gIOCatalogue->addDrivers(nullptr));

    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverA"});
    EXPECT_EQ(CallLog::count("TestDriverB::init"), 0u);
}

// A personality naming a class that does not exist is logged at matching and
// does not stop the others.
TEST_F(Catalogue, UnknownClassIsSkippedAtMatching)
{
    const uint64_t from = iolab::LogRing::global().nextSequence();
    ASSERT_TRUE(addPersonalities({personality("NoSuchDriverClass", "TestNub", 100).get(),
                                  personality("TestDriverA", "TestNub", 10).get()}));
    auto nub = makeNub<TestNub>(platform(), "nub", "1");
    ASSERT_TRUE(quiet());
    EXPECT_EQ(clientClassNames(nub.get()), Calls{"TestDriverA"});
    EXPECT_TRUE(logContains(from, "NoSuchDriverClass"));
}

// findDrivers orders by IOProbeScore and includes superclass personalities;
// findDrivers(dict) selects by key/value.
TEST_F(Catalogue, FindDrivers)
{
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "IOService", 1, "a").get(),
                                  personality("TestDriverB", "TestNub", 30, "b").get(),
                                  personality("TestDriverC", "TestNubSub", 20, "c").get(),
                                  personality("TestDriverD", "TestChildNub", 99, "d").get()}));
    auto nub = makeNub<TestNubSub>(platform(), "nub", "1", nullptr, false);
    OSSharedPtr<OSOrderedSet> forNub(gIOCatalogue->findDrivers(nub.get()), OSNoRetain);
    std::vector<std::string> classes;
    for (unsigned i = 0; i < forNub->getCount(); ++i) {
        auto* dict = OSDynamicCast(OSDictionary, forNub->getObject(i));
        classes.emplace_back(OSDynamicCast(OSString, dict->getObject(kIOClassKey))->getCStringNoCopy());
    }
    EXPECT_EQ(classes, (Calls{"TestDriverB", "TestDriverC", "TestDriverA"}));

    OSSharedPtr<OSDictionary> which(Dict().string(kIOMatchCategoryKey, "d").ptr());
    OSSharedPtr<OSOrderedSet> byKey(gIOCatalogue->findDrivers(which.get()), OSNoRetain);
    ASSERT_EQ(byKey->getCount(), 1u);
    SInt32 generation = 0;
    OSSharedPtr<OSOrderedSet> again(gIOCatalogue->findDrivers(which.get(), &generation), OSNoRetain);
    EXPECT_EQ(generation, gIOCatalogue->getGenerationCount());
    ASSERT_TRUE(addPersonalities({personality("TestDriverA", "TestNub", 2, "z").get()}));
    EXPECT_GT(gIOCatalogue->getGenerationCount(), generation);
}
