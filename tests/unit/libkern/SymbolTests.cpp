// SPDX-License-Identifier: GPL-2.0-or-later
// OSSymbol: uniqueness, the pool's bookkeeping, and the pool under threads.
#include <libkern/c++/OSContainers.h>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <string>
#include <thread>
#include <vector>

// Spec 01 §3 item 19: equal texts give the same OSSymbol; OSStrings are distinct objects.
TEST(OSSymbol, Item19_EqualTextsGiveTheSamePointer)
{
    const OSSymbol* first = OSSymbol::withCString("libkern-test-unique");
    const OSSymbol* second = OSSymbol::withCString("libkern-test-unique");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first, second);
    EXPECT_EQ(first->getRetainCount(), 2) << "each lookup hands out its own reference";

    OSString* text = OSString::withCString("libkern-test-unique");
    ASSERT_NE(text, nullptr);
    const OSSymbol* fromString = OSSymbol::withString(text);
    EXPECT_EQ(fromString, first);
    const OSSymbol* fromView = OSSymbol::withStringView(std::string_view("libkern-test-unique-and-more", 19));
    EXPECT_EQ(fromView, first);
    const OSSymbol* fromSymbol = OSSymbol::withString(first);
    EXPECT_EQ(fromSymbol, first);
    EXPECT_EQ(first->getRetainCount(), 5);

    const OSSymbol* other = OSSymbol::withCString("libkern-test-unique2");
    EXPECT_NE(other, first);

    OSString* stringA = OSString::withCString("libkern-test-unique");
    OSString* stringB = OSString::withCString("libkern-test-unique");
    ASSERT_TRUE(stringA && stringB);
    EXPECT_NE(stringA, stringB) << "OSString values are distinct objects";
    EXPECT_TRUE(stringA->isEqualTo(stringB));

    for (const OSObject* object : {static_cast<const OSObject*>(second), static_cast<const OSObject*>(fromString),
                                   static_cast<const OSObject*>(fromView), static_cast<const OSObject*>(fromSymbol)})
        object->release();
    EXPECT_EQ(first->getRetainCount(), 1);
    first->release();
    other->release();
    text->release();
    stringA->release();
    stringB->release();
}

TEST(OSSymbol, PoolDropsASymbolWhenItsLastReferenceGoes)
{
    const unsigned baseline = OSSymbol::poolSize();
    const unsigned liveSymbols = OSSymbol::metaClass->getInstanceCount();
    EXPECT_EQ(OSSymbol::existingSymbolForCString("libkern-test-transient"), nullptr);

    const OSSymbol* symbol = OSSymbol::withCString("libkern-test-transient");
    ASSERT_NE(symbol, nullptr);
    EXPECT_EQ(OSSymbol::poolSize(), baseline + 1);
    EXPECT_EQ(OSSymbol::metaClass->getInstanceCount(), liveSymbols + 1);

    const OSSymbol* existing = OSSymbol::existingSymbolForCString("libkern-test-transient");
    EXPECT_EQ(existing, symbol);
    EXPECT_EQ(symbol->getRetainCount(), 2) << "existingSymbolForCString retains";
    existing->release();

    symbol->release();
    EXPECT_EQ(OSSymbol::poolSize(), baseline);
    EXPECT_EQ(OSSymbol::metaClass->getInstanceCount(), liveSymbols);
    EXPECT_EQ(OSSymbol::existingSymbolForCString("libkern-test-transient"), nullptr);

    // A new symbol for the same text can be made again afterwards.
    const OSSymbol* again = OSSymbol::withCString("libkern-test-transient");
    ASSERT_NE(again, nullptr);
    EXPECT_TRUE(again->isEqualTo("libkern-test-transient"));
    EXPECT_EQ(again->getRetainCount(), 1);
    again->release();
    EXPECT_EQ(OSSymbol::poolSize(), baseline);
}

TEST(OSSymbol, ReleaseWithThresholdStillWaitsForZero)
{
    const unsigned baseline = OSSymbol::poolSize();
    const OSSymbol* symbol = OSSymbol::withCString("libkern-test-threshold");
    const OSSymbol* second = OSSymbol::withCString("libkern-test-threshold");
    ASSERT_EQ(symbol, second);
    // On an ordinary object release(2) would free at a count of 2; a symbol waits for zero.
    symbol->release(2);
    EXPECT_EQ(OSSymbol::poolSize(), baseline + 1);
    EXPECT_EQ(symbol->getRetainCount(), 1);
    const OSSymbol* lookup = OSSymbol::existingSymbolForCString("libkern-test-threshold");
    EXPECT_EQ(lookup, symbol);
    lookup->release();
    symbol->release();
    EXPECT_EQ(OSSymbol::poolSize(), baseline);
}

TEST(OSSymbol, NullAndEmptyTexts)
{
    EXPECT_EQ(OSSymbol::withCString(nullptr), nullptr);
    EXPECT_EQ(OSSymbol::withString(nullptr), nullptr);
    EXPECT_EQ(OSSymbol::existingSymbolForCString(nullptr), nullptr);
    const OSSymbol* empty = OSSymbol::withCString("");
    const OSSymbol* emptyAgain = OSSymbol::withCString("");
    ASSERT_NE(empty, nullptr);
    EXPECT_EQ(empty, emptyAgain);
    EXPECT_EQ(empty->getLength(), 0u);
    empty->release();
    emptyAgain->release();
}

TEST(OSSymbol, IsImmutable)
{
    const OSSymbol* symbol = OSSymbol::withCString("libkern-test-frozen");
    ASSERT_NE(symbol, nullptr);
    auto* mutableView = const_cast<OSSymbol*>(symbol);
    EXPECT_FALSE(mutableView->setChar('X', 0));
    OSString* asString = mutableView;
    EXPECT_FALSE(asString->setChar('X', 0)) << "also through the OSString interface";
    EXPECT_EQ(symbol->getChar(0), 'l');
    EXPECT_STREQ(symbol->getCStringNoCopy(), "libkern-test-frozen");
    symbol->release();
}

TEST(OSSymbol, IsEqualTo)
{
    const OSSymbol* symbol = OSSymbol::withCString("libkern-eq");
    const OSSymbol* otherSymbol = OSSymbol::withCString("libkern-ne");
    OSString* sameText = OSString::withCString("libkern-eq");
    OSString* otherText = OSString::withCString("libkern-ne");
    OSData* sameBytes = OSData::withBytes("libkern-eq", 10);
    ASSERT_TRUE(symbol && otherSymbol && sameText && otherText && sameBytes);

    EXPECT_TRUE(symbol->isEqualTo(symbol));
    EXPECT_FALSE(symbol->isEqualTo(otherSymbol));
    EXPECT_TRUE(symbol->isEqualTo(static_cast<const OSMetaClassBase*>(symbol)));
    EXPECT_FALSE(symbol->isEqualTo(static_cast<const OSMetaClassBase*>(otherSymbol)));
    EXPECT_TRUE(symbol->isEqualTo(sameText));
    EXPECT_FALSE(symbol->isEqualTo(otherText));
    EXPECT_TRUE(symbol->isEqualTo(static_cast<const OSMetaClassBase*>(sameText)));
    EXPECT_TRUE(symbol->isEqualTo("libkern-eq"));
    EXPECT_FALSE(symbol->isEqualTo("libkern-e"));
    EXPECT_TRUE(symbol->isEqualTo(sameBytes));
    EXPECT_TRUE(sameText->isEqualTo(static_cast<const OSMetaClassBase*>(symbol)));
    EXPECT_FALSE(symbol->isEqualTo(static_cast<const OSMetaClassBase*>(kOSBooleanTrue)));

    symbol->release();
    otherSymbol->release();
    sameText->release();
    otherText->release();
    sameBytes->release();
}

// Several threads create and release the same and different symbols at once.
// While a thread holds a symbol, every lookup of its text must give that same
// object; afterwards the pool is back to its baseline.
TEST(OSSymbol, PoolIsThreadSafe)
{
    constexpr int kThreads = 4;
    constexpr int kRounds = 20'000;
    constexpr int kSharedTexts = 8;
    const unsigned baseline = OSSymbol::poolSize();
    const unsigned liveSymbols = OSSymbol::metaClass->getInstanceCount();

    auto sharedText = [](int i) { return "libkern-mt-shared-" + std::to_string(i); };
    auto pinnedText = [](int i) { return "libkern-mt-pinned-" + std::to_string(i); };

    std::vector<std::vector<const OSSymbol*>> pinned(kThreads);
    std::atomic<int> mismatches{0};
    std::atomic<int> failures{0};
    unsigned poolWhilePinned = 0;
    std::barrier sync(kThreads, [&]() noexcept { poolWhilePinned = OSSymbol::poolSize(); });

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            // Long-lived references to texts every thread uses.
            for (int i = 0; i < kSharedTexts; ++i) {
                const std::string text = pinnedText(i);
                pinned[t].push_back(OSSymbol::withCString(text.c_str()));
            }
            const std::string own = "libkern-mt-own-" + std::to_string(t);
            for (int round = 0; round < kRounds; ++round) {
                const std::string text = round % 3 == 0 ? own : sharedText(round % kSharedTexts);
                const OSSymbol* held = OSSymbol::withCString(text.c_str());
                if (!held) {
                    ++failures;
                    continue;
                }
                if (!held->isEqualTo(text.c_str()))
                    ++mismatches;
                // While we hold it, nobody may get a different object for this text.
                const OSSymbol* again = OSSymbol::withStringView(text);
                const OSSymbol* existing = OSSymbol::existingSymbolForCString(text.c_str());
                if (again != held || existing != held)
                    ++mismatches;
                if (again)
                    again->release();
                if (existing)
                    existing->release();
                held->release();
            }
            sync.arrive_and_wait();
            for (const OSSymbol* symbol : pinned[t])
                symbol->release();
        });
    }
    for (auto& thread : threads)
        thread.join();

    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(mismatches.load(), 0);
    for (int i = 0; i < kSharedTexts; ++i) {
        for (int t = 1; t < kThreads; ++t)
            EXPECT_EQ(pinned[t][i], pinned[0][i]) << "text " << pinnedText(i) << " has two symbols";
    }
    EXPECT_EQ(poolWhilePinned, baseline + kSharedTexts) << "only the pinned symbols were alive at the barrier";
    EXPECT_EQ(OSSymbol::poolSize(), baseline);
    EXPECT_EQ(OSSymbol::metaClass->getInstanceCount(), liveSymbols);
    for (int i = 0; i < kSharedTexts; ++i) {
        EXPECT_EQ(OSSymbol::existingSymbolForCString(sharedText(i).c_str()), nullptr);
        EXPECT_EQ(OSSymbol::existingSymbolForCString(pinnedText(i).c_str()), nullptr);
    }
}
