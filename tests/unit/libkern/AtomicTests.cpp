// SPDX-License-Identifier: GPL-2.0-or-later
// libkern/OSAtomic.h: return values (the original value), widths, bit order.
#include <libkern/OSAtomic.h>

#include <gtest/gtest.h>

#include <thread>
#include <vector>

// Spec 03 §3 item 2: OSCompareAndSwap(0, 1, &x) stores only when x == 0.
TEST(OSAtomic, Spec03Item2_CompareAndSwap)
{
    volatile UInt32 x = 0;
    EXPECT_TRUE(OSCompareAndSwap(0, 1, &x));
    EXPECT_EQ(x, 1u);
    EXPECT_FALSE(OSCompareAndSwap(0, 1, &x)) << "x is no longer 0";
    EXPECT_EQ(x, 1u);
    x = 5;
    EXPECT_FALSE(OSCompareAndSwap(0, 1, &x));
    EXPECT_EQ(x, 5u);
    EXPECT_TRUE(OSCompareAndSwap(5, 0xffffffffu, &x));
    EXPECT_EQ(x, 0xffffffffu);

    volatile UInt64 wide = 0x100000000ULL;
    EXPECT_FALSE(OSCompareAndSwap64(0, 1, &wide)) << "compares all 64 bits";
    EXPECT_TRUE(OSCompareAndSwap64(0x100000000ULL, 0xdeadbeefcafeULL, &wide));
    EXPECT_EQ(wide, 0xdeadbeefcafeULL);

    int a = 0;
    int b = 0;
    void* volatile pointer = &a;
    EXPECT_FALSE(OSCompareAndSwapPtr(&b, nullptr, &pointer));
    EXPECT_EQ(pointer, &a);
    EXPECT_TRUE(OSCompareAndSwapPtr(&a, &b, &pointer));
    EXPECT_EQ(pointer, &b);
}

// Spec 03 §3 item 2: OSTestAndSet(0, &b) sets 0x80 (MSB first) and reports whether it was set.
TEST(OSAtomic, Spec03Item2_TestAndSetIsMostSignificantBitFirst)
{
    volatile UInt8 byte = 0;
    EXPECT_FALSE(OSTestAndSet(0, &byte)) << "the bit was clear";
    EXPECT_EQ(byte, 0x80u);
    EXPECT_TRUE(OSTestAndSet(0, &byte)) << "the bit was already set";
    EXPECT_EQ(byte, 0x80u);

    EXPECT_FALSE(OSTestAndSet(7, &byte));
    EXPECT_EQ(byte, 0x81u);

    volatile UInt8 bytes[3] = {0, 0, 0};
    EXPECT_FALSE(OSTestAndSet(9, bytes));
    EXPECT_EQ(bytes[0], 0u);
    EXPECT_EQ(bytes[1], 0x40u) << "bit 9 is the second bit of the second byte";
    EXPECT_FALSE(OSTestAndSet(23, bytes));
    EXPECT_EQ(bytes[2], 0x01u);
}

TEST(OSAtomic, Spec03Item2_TestAndClear)
{
    volatile UInt8 byte = 0x80;
    EXPECT_FALSE(OSTestAndClear(0, &byte)) << "the bit was set";
    EXPECT_EQ(byte, 0u);
    EXPECT_TRUE(OSTestAndClear(0, &byte)) << "the bit was already clear";
    EXPECT_EQ(byte, 0u);

    volatile UInt8 bytes[2] = {0xff, 0xff};
    EXPECT_FALSE(OSTestAndClear(15, bytes));
    EXPECT_EQ(bytes[0], 0xffu);
    EXPECT_EQ(bytes[1], 0xfeu);
}

// Spec 03 §3 item 2: arithmetic returns the value before the operation.
TEST(OSAtomic, Spec03Item2_ArithmeticReturnsTheOriginalValue)
{
    volatile SInt32 value = 10;
    EXPECT_EQ(OSAddAtomic(5, &value), 10);
    EXPECT_EQ(value, 15);
    EXPECT_EQ(OSAddAtomic(-20, &value), 15);
    EXPECT_EQ(value, -5);
    EXPECT_EQ(OSIncrementAtomic(&value), -5);
    EXPECT_EQ(value, -4);
    EXPECT_EQ(OSDecrementAtomic(&value), -4);
    EXPECT_EQ(value, -5);

    volatile long longValue = 1;
    EXPECT_EQ(OSAddAtomicLong(41, &longValue), 1);
    EXPECT_EQ(OSIncrementAtomicLong(&longValue), 42);
    EXPECT_EQ(OSDecrementAtomicLong(&longValue), 43);
    EXPECT_EQ(longValue, 42);
}

TEST(OSAtomic, Spec03Item2_WidthsWrapAtTheirSize)
{
    volatile SInt8 small = 127;
    EXPECT_EQ(OSIncrementAtomic8(&small), 127);
    EXPECT_EQ(small, -128);
    EXPECT_EQ(OSDecrementAtomic8(&small), -128);
    EXPECT_EQ(small, 127);
    EXPECT_EQ(OSAddAtomic8(-100, &small), 127);
    EXPECT_EQ(small, 27);

    volatile SInt16 medium = 32767;
    EXPECT_EQ(OSAddAtomic16(1, &medium), 32767);
    EXPECT_EQ(medium, -32768);
    EXPECT_EQ(OSIncrementAtomic16(&medium), -32768);
    EXPECT_EQ(OSDecrementAtomic16(&medium), -32767);
    EXPECT_EQ(medium, -32768);

    volatile SInt64 large = 0x7fffffffffffffffLL;
    EXPECT_EQ(OSIncrementAtomic64(&large), 0x7fffffffffffffffLL);
    EXPECT_EQ(large, INT64_MIN);
    EXPECT_EQ(OSAddAtomic64(0x100000000LL, &large), INT64_MIN);
    EXPECT_EQ(large, INT64_MIN + 0x100000000LL);
    EXPECT_EQ(OSDecrementAtomic64(&large), INT64_MIN + 0x100000000LL);

    // Neighbouring memory is untouched by the narrow operations.
    volatile SInt8 row[3] = {1, 127, 1};
    OSIncrementAtomic8(&row[1]);
    EXPECT_EQ(row[0], 1);
    EXPECT_EQ(row[2], 1);
    volatile SInt16 wideRow[3] = {1, -1, 1};
    OSIncrementAtomic16(&wideRow[1]);
    EXPECT_EQ(wideRow[1], 0);
    EXPECT_EQ(wideRow[0], 1);
    EXPECT_EQ(wideRow[2], 1);
}

// Spec 03 §3 item 2: bit operations return the original value.
TEST(OSAtomic, Spec03Item2_BitOperationsReturnTheOriginalValue)
{
    volatile UInt32 word = 0xf0f0f0f0u;
    EXPECT_EQ(OSBitAndAtomic(0xff00ff00u, &word), 0xf0f0f0f0u);
    EXPECT_EQ(word, 0xf000f000u);
    EXPECT_EQ(OSBitOrAtomic(0x0000000fu, &word), 0xf000f000u);
    EXPECT_EQ(word, 0xf000f00fu);
    EXPECT_EQ(OSBitXorAtomic(0xffffffffu, &word), 0xf000f00fu);
    EXPECT_EQ(word, 0x0fff0ff0u);

    volatile UInt16 half = 0x00ff;
    EXPECT_EQ(OSBitOrAtomic16(0xff00u, &half), 0x00ffu);
    EXPECT_EQ(half, 0xffffu);
    EXPECT_EQ(OSBitAndAtomic16(0x0ff0u, &half), 0xffffu);
    EXPECT_EQ(half, 0x0ff0u);
    EXPECT_EQ(OSBitXorAtomic16(0x00ffu, &half), 0x0ff0u);
    EXPECT_EQ(half, 0x0f0fu);
    EXPECT_EQ(OSBitOrAtomic16(0xffff0000u, &half), 0x0f0fu) << "mask bits above the width are dropped";
    EXPECT_EQ(half, 0x0f0fu);

    volatile UInt8 byte = 0x0f;
    EXPECT_EQ(OSBitXorAtomic8(0xffu, &byte), 0x0fu);
    EXPECT_EQ(byte, 0xf0u);
    EXPECT_EQ(OSBitAndAtomic8(0x30u, &byte), 0xf0u);
    EXPECT_EQ(byte, 0x30u);
    EXPECT_EQ(OSBitOrAtomic8(0x01u, &byte), 0x30u);
    EXPECT_EQ(byte, 0x31u);
}

TEST(OSAtomic, ConcurrentIncrementsAreExact)
{
    constexpr int kThreads = 4;
    constexpr int kIterations = 100'000;
    volatile SInt32 counter = 0;
    volatile SInt64 wide = 0;
    volatile UInt32 casCounter = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kIterations; ++i) {
                OSIncrementAtomic(&counter);
                OSAddAtomic64(2, &wide);
                // A compare-and-swap retry loop, as drivers write them.
                UInt32 seen;
                do {
                    seen = __atomic_load_n(&casCounter, __ATOMIC_RELAXED); // a plain read would race
                } while (!OSCompareAndSwap(seen, seen + 1, &casCounter));
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(counter, kThreads * kIterations);
    EXPECT_EQ(wide, 2LL * kThreads * kIterations);
    EXPECT_EQ(casCounter, static_cast<UInt32>(kThreads * kIterations));
}

TEST(OSAtomic, ConcurrentTestAndSetHasOneWinnerPerBit)
{
    constexpr int kThreads = 4;
    constexpr int kBits = 256;
    volatile UInt8 bits[kBits / 8] = {};
    std::vector<int> wins(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (UInt32 bit = 0; bit < kBits; ++bit) {
                if (!OSTestAndSet(bit, bits))
                    ++wins[t];
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    int total = 0;
    for (int w : wins)
        total += w;
    EXPECT_EQ(total, kBits) << "each bit is won by exactly one thread";
    for (int i = 0; i < kBits / 8; ++i)
        EXPECT_EQ(bits[i], 0xffu);
}
