// SPDX-License-Identifier: GPL-2.0-or-later
// OSObject: reference counting, free() exactly once, per-class instance
// counts, tagged retain tracking, and a multi-threaded retain/release stress.
#include "TestClasses.h"

#include <libkern/c++/OSContainers.h>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

namespace {

/// Records free() and instance counts at construction, so a test can assert
/// exact deltas no matter what ran before it.
class ObjectTest : public ::testing::Test {
protected:
    int freeCallsSinceStart() const { return LibkernTestObject::s_freeCalls.load() - m_freeBaseline; }
    int liveTestObjects() const
    {
        return static_cast<int>(LibkernTestObject::metaClass->getInstanceCount()) - m_instanceBaseline;
    }

private:
    int m_freeBaseline = LibkernTestObject::s_freeCalls.load();
    int m_instanceBaseline = static_cast<int>(LibkernTestObject::metaClass->getInstanceCount());
};

} // namespace

// Spec 01 §3 item 14: after new + init the retain count is 1.
TEST_F(ObjectTest, Item14_NewObjectHasRetainCountOne)
{
    LibkernTestObject* object = LibkernTestObject::create();
    ASSERT_NE(object, nullptr);
    EXPECT_EQ(object->getRetainCount(), 1);
    EXPECT_EQ(freeCallsSinceStart(), 0);
    object->release();

    OSString* string = OSString::withCString("hello");
    ASSERT_NE(string, nullptr);
    EXPECT_EQ(string->getRetainCount(), 1);
    string->release();
}

// Spec 01 §3 item 14: a retain/release pair leaves the count at 1 and does not free.
TEST_F(ObjectTest, Item14_RetainReleasePairLeavesCountAtOne)
{
    LibkernTestObject* object = LibkernTestObject::create();
    ASSERT_NE(object, nullptr);
    object->retain();
    EXPECT_EQ(object->getRetainCount(), 2);
    object->retain();
    EXPECT_EQ(object->getRetainCount(), 3);
    object->release();
    object->release();
    EXPECT_EQ(object->getRetainCount(), 1);
    EXPECT_EQ(freeCallsSinceStart(), 0);
    EXPECT_EQ(liveTestObjects(), 1);
    object->release();
}

// Spec 01 §3 item 14: the final release calls free() exactly once.
TEST_F(ObjectTest, Item14_FinalReleaseCallsFreeExactlyOnce)
{
    LibkernTestObject* object = LibkernTestObject::create();
    ASSERT_NE(object, nullptr);
    object->retain();
    object->release();
    EXPECT_EQ(freeCallsSinceStart(), 0);
    object->release();
    EXPECT_EQ(freeCallsSinceStart(), 1);
    EXPECT_EQ(liveTestObjects(), 0);
}

TEST_F(ObjectTest, FailedInitIsReleasedAndFreedOnce)
{
    auto* object = new LibkernTestObject;
    EXPECT_EQ(liveTestObjects(), 1);
    EXPECT_FALSE(object->init(false));
    object->release();
    EXPECT_EQ(freeCallsSinceStart(), 1);
    EXPECT_EQ(liveTestObjects(), 0);
}

TEST_F(ObjectTest, NewObjectIsZeroFilledBeforeInit)
{
    // operator new zero-fills: a freshly allocated OSData has no bytes and no capacity.
    auto* data = new OSData;
    EXPECT_EQ(data->getLength(), 0u);
    EXPECT_EQ(data->getCapacity(), 0u);
    EXPECT_EQ(data->getBytesNoCopy(), nullptr);
    EXPECT_EQ(data->getRetainCount(), 1);
    data->release();
}

TEST_F(ObjectTest, ReleaseWithFreeWhenFreesAtThreshold)
{
    LibkernTestObject* object = LibkernTestObject::create();
    ASSERT_NE(object, nullptr);
    object->retain();
    object->retain();
    ASSERT_EQ(object->getRetainCount(), 3);
    // 3 → 2: above the threshold of 1, nothing happens.
    object->release(1);
    EXPECT_EQ(object->getRetainCount(), 2);
    EXPECT_EQ(freeCallsSinceStart(), 0);
    // With freeWhen 2, a count of 2 is already at the threshold: free now.
    object->release(2);
    EXPECT_EQ(freeCallsSinceStart(), 1);
    EXPECT_EQ(liveTestObjects(), 0);
}

// Spec 01 §3 item 17: per-class live counts go up and down exactly (what ioclasscount prints).
TEST_F(ObjectTest, Item17_InstanceCountTracksLiveObjectsPerClass)
{
    const unsigned strings = OSString::metaClass->getInstanceCount();
    const unsigned numbers = OSNumber::metaClass->getInstanceCount();
    const unsigned subObjects = LibkernTestSubObject::metaClass->getInstanceCount();

    std::vector<OSString*> created;
    for (int i = 0; i < 5; ++i) {
        created.push_back(OSString::withCString("counted"));
        ASSERT_NE(created.back(), nullptr);
        EXPECT_EQ(OSString::metaClass->getInstanceCount(), strings + i + 1);
    }
    // Counts are per exact class: strings do not count as numbers or as OSObject instances.
    EXPECT_EQ(OSNumber::metaClass->getInstanceCount(), numbers);
    EXPECT_EQ(OSObject::metaClass->getInstanceCount(), 0u);

    LibkernTestSubObject* sub = LibkernTestSubObject::create();
    ASSERT_NE(sub, nullptr);
    EXPECT_EQ(LibkernTestSubObject::metaClass->getInstanceCount(), subObjects + 1);
    EXPECT_EQ(liveTestObjects(), 0) << "a subclass instance is not counted under its superclass";

    // A retain does not create an instance; only the final release ends one.
    created[0]->retain();
    created[0]->release();
    EXPECT_EQ(OSString::metaClass->getInstanceCount(), strings + 5);

    for (size_t i = 0; i < created.size(); ++i) {
        created[i]->release();
        EXPECT_EQ(OSString::metaClass->getInstanceCount(), strings + 4 - i);
    }
    sub->release();
    EXPECT_EQ(LibkernTestSubObject::metaClass->getInstanceCount(), subObjects);
    EXPECT_EQ(OSString::metaClass->getInstanceCount(), strings);
}

TEST_F(ObjectTest, DefaultIsEqualToIsPointerIdentity)
{
    LibkernTestObject* first = LibkernTestObject::create();
    LibkernTestObject* second = LibkernTestObject::create();
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_TRUE(first->isEqualTo(first));
    EXPECT_FALSE(first->isEqualTo(second));
    EXPECT_FALSE(first->isEqualTo(nullptr));
    first->release();
    second->release();
}

TEST_F(ObjectTest, TaggedRetainCountBalancesPerTag)
{
    OSObject::setTaggedTracking(true);
    LibkernTestObject* object = LibkernTestObject::create();
    ASSERT_NE(object, nullptr);
    int tagA = 0;
    int tagB = 0;

    object->taggedRetain(&tagA);
    object->taggedRetain(&tagA);
    object->taggedRetain(&tagB);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagA), 2);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagB), 1);
    EXPECT_EQ(object->getRetainCount(), 4);

    object->taggedRelease(&tagA);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagA), 1);
    object->taggedRelease(&tagB);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagB), 0);
    object->taggedRelease(&tagA);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagA), 0);
    EXPECT_EQ(object->getRetainCount(), 1);

    // Untagged retains are not recorded under any tag.
    object->retain();
    EXPECT_EQ(OSObject::taggedRetainCount(object, nullptr), 0);
    object->release();

    // A leaked tag stays visible until tracking is switched off.
    object->taggedRetain(&tagB);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagB), 1);
    OSObject::setTaggedTracking(false);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagB), 0);
    object->taggedRelease(&tagB);

    // While tracking is off nothing is recorded.
    object->taggedRetain(&tagA);
    EXPECT_EQ(OSObject::taggedRetainCount(object, &tagA), 0);
    object->taggedRelease(&tagA);

    EXPECT_EQ(freeCallsSinceStart(), 0);
    object->release();
    EXPECT_EQ(freeCallsSinceStart(), 1);
}

// Spec 03 §3 item 1: 8 threads × 10^6 retain/release on one object leave the
// count exact, and free() runs exactly once when the last reference goes.
TEST_F(ObjectTest, Spec03Item1_ConcurrentRetainReleaseIsExactAndFreesOnce)
{
    constexpr int kThreads = 8;
    constexpr int kIterations = 1'000'000;

    LibkernTestObject* object = LibkernTestObject::create();
    ASSERT_NE(object, nullptr);
    // One reference per thread, each dropped by its thread at the end.
    for (int i = 0; i < kThreads; ++i)
        object->retain();

    std::atomic<int> countAtPeak{-1};
    std::atomic<int> countAfterReleases{-1};
    // The completion step runs once, while every thread waits at the barrier.
    int phase = 0;
    std::barrier sync(kThreads, [&]() noexcept {
        if (phase == 0)
            countAtPeak = object->getRetainCount();
        else if (phase == 1)
            countAfterReleases = object->getRetainCount();
        ++phase;
    });

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kIterations / 2; ++i)
                object->retain();
            sync.arrive_and_wait();
            for (int i = 0; i < kIterations / 2; ++i)
                object->release();
            sync.arrive_and_wait();
            // Interleaved pairs, racing with the other threads' pairs.
            for (int i = 0; i < kIterations / 2; ++i) {
                object->retain();
                object->release();
            }
            object->release();
        });
    }
    // The main thread's reference keeps the object alive until here.
    for (auto& thread : threads)
        thread.join();

    EXPECT_EQ(countAtPeak.load(), 1 + kThreads + kThreads * (kIterations / 2));
    EXPECT_EQ(countAfterReleases.load(), 1 + kThreads);
    EXPECT_EQ(object->getRetainCount(), 1);
    EXPECT_EQ(freeCallsSinceStart(), 0);
    object->release();
    EXPECT_EQ(freeCallsSinceStart(), 1);
    EXPECT_EQ(liveTestObjects(), 0);
}

// The last reference is dropped by whichever worker thread finishes last:
// free() must still run exactly once.
TEST_F(ObjectTest, Spec03Item1_LastReleaseOnAnyThreadFreesOnce)
{
    constexpr int kThreads = 8;
    constexpr int kRounds = 200;
    for (int round = 0; round < kRounds; ++round) {
        LibkernTestObject* object = LibkernTestObject::create();
        ASSERT_NE(object, nullptr);
        for (int i = 1; i < kThreads; ++i)
            object->retain();
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([object] {
                for (int i = 0; i < 100; ++i) {
                    object->retain();
                    object->release();
                }
                object->release();
            });
        }
        for (auto& thread : threads)
            thread.join();
        ASSERT_EQ(freeCallsSinceStart(), round + 1);
    }
    EXPECT_EQ(liveTestObjects(), 0);
}
