// SPDX-License-Identifier: GPL-2.0-or-later
// The IOLog ring: IOLog lands in it, lines are split and cut, the oldest
// lines are dropped and counted, readers can wait for new lines.
#include <IOKit/IOLib.h>
#include <iolab/LogRing.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

// Last: libkern.h turns printf into the kernel printf, as drivers see it.
#include <libkern/libkern.h>

using namespace std::chrono_literals;

namespace {

std::vector<std::string> textsSince(const iolab::LogRing& ring, uint64_t from)
{
    std::vector<std::string> texts;
    for (const iolab::LogLine& line : ring.read(from).lines)
        texts.push_back(line.text);
    return texts;
}

} // namespace

TEST(LogRing, IOLogLandsInTheGlobalRing)
{
    iolab::LogRing& ring = iolab::LogRing::global();
    const uint64_t start = ring.nextSequence();
    IOLog("LogRingTest: value %d, name %s\n", 42, "edu");
    ASSERT_EQ(ring.nextSequence(), start + 1);
    auto batch = ring.read(start);
    ASSERT_EQ(batch.lines.size(), 1u);
    const iolab::LogLine& line = batch.lines[0];
    EXPECT_EQ(line.text, "LogRingTest: value 42, name edu") << "no trailing newline";
    EXPECT_EQ(line.sequence, start);
    EXPECT_EQ(line.threadID, static_cast<uint32_t>(gettid()));
    EXPECT_GT(line.timestampNs, 0u);
    EXPECT_EQ(batch.next, start + 1);
    EXPECT_EQ(batch.missed, 0u);
}

TEST(LogRing, IOLogSplitsLines)
{
    iolab::LogRing& ring = iolab::LogRing::global();
    const uint64_t start = ring.nextSequence();
    IOLog("first\nsecond\nthird\n");
    EXPECT_EQ(textsSince(ring, start), (std::vector<std::string>{"first", "second", "third"}));

    const uint64_t next = ring.nextSequence();
    IOLog("no newline at the end");
    IOLog("a\n\nb");
    EXPECT_EQ(textsSince(ring, next), (std::vector<std::string>{"no newline at the end", "a", "", "b"}));
}

TEST(LogRing, KernelPrintfWritesToTheRing)
{
    iolab::LogRing& ring = iolab::LogRing::global();
    const uint64_t start = ring.nextSequence();
    const int length = printf("kernel printf %s %u\n", "says", 7u);
    EXPECT_EQ(length, static_cast<int>(std::string("kernel printf says 7\n").size()));
    EXPECT_EQ(textsSince(ring, start), (std::vector<std::string>{"kernel printf says 7"}));
}

TEST(LogRing, LinesCarryTheThreadsRegistryEntry)
{
    iolab::LogRing& ring = iolab::LogRing::global();
    const uint64_t start = ring.nextSequence();
    iolab::LogRing::setThreadEntry(0x1234);
    EXPECT_EQ(iolab::LogRing::threadEntry(), 0x1234u);
    IOLog("tagged\n");
    iolab::LogRing::setThreadEntry(0);
    IOLog("untagged\n");
    auto batch = ring.read(start);
    ASSERT_EQ(batch.lines.size(), 2u);
    EXPECT_EQ(batch.lines[0].registryID, 0x1234u);
    EXPECT_EQ(batch.lines[1].registryID, 0u);
}

TEST(LogRing, FullRingDropsTheOldestLines)
{
    iolab::LogRing ring(4);
    EXPECT_EQ(ring.capacity(), 4u);
    for (int i = 0; i < 10; ++i)
        ring.append("line " + std::to_string(i));
    EXPECT_EQ(ring.dropped(), 6u);
    EXPECT_EQ(ring.nextSequence(), 10u);

    auto batch = ring.read(0);
    EXPECT_EQ(batch.missed, 6u);
    ASSERT_EQ(batch.lines.size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(batch.lines[i].text, "line " + std::to_string(6 + i));
        EXPECT_EQ(batch.lines[i].sequence, 6 + i);
    }
    EXPECT_EQ(batch.next, 10u);

    // Reading from inside the window misses nothing; reading at the end gets nothing.
    auto tail = ring.read(8);
    EXPECT_EQ(tail.missed, 0u);
    ASSERT_EQ(tail.lines.size(), 2u);
    EXPECT_EQ(tail.lines[0].text, "line 8");
    auto none = ring.read(10);
    EXPECT_TRUE(none.lines.empty());
    EXPECT_EQ(none.next, 10u);

    // maxLines limits a batch, and `next` continues where it stopped.
    auto limited = ring.read(0, 3);
    ASSERT_EQ(limited.lines.size(), 3u);
    EXPECT_EQ(limited.lines.back().text, "line 8");
    EXPECT_EQ(limited.next, 9u);
}

TEST(LogRing, RingBelowCapacityDropsNothing)
{
    iolab::LogRing ring(4);
    ring.append("one\ntwo\nthree\nfour\n");
    EXPECT_EQ(ring.dropped(), 0u);
    auto batch = ring.read(0);
    EXPECT_EQ(batch.missed, 0u);
    EXPECT_EQ(batch.lines.size(), 4u);
    ring.append("five");
    EXPECT_EQ(ring.dropped(), 1u);
}

TEST(LogRing, LongLinesAreCut)
{
    constexpr size_t kMax = iolab::LogRing::kMaxLineBytes;
    iolab::LogRing ring(8);
    const std::string exact(kMax, 'e');
    const std::string tooLong = std::string(kMax, 'x') + "TAIL";
    ring.append(exact);
    ring.append(tooLong);
    auto batch = ring.read(0);
    ASSERT_EQ(batch.lines.size(), 2u);
    EXPECT_EQ(batch.lines[0].text, exact) << "a line of exactly the limit is kept whole";
    const std::string& cut = batch.lines[1].text;
    EXPECT_LT(cut.size(), tooLong.size());
    EXPECT_EQ(cut.compare(0, kMax, tooLong, 0, kMax), 0) << "the start of the line is kept";
    EXPECT_EQ(cut.find("TAIL"), std::string::npos);
    EXPECT_EQ(cut.substr(kMax), "\u2026") << "a cut line ends with an ellipsis";

    // Through IOLog too, where the formatted text exceeds IOLog's stack buffer.
    iolab::LogRing& global = iolab::LogRing::global();
    const uint64_t start = global.nextSequence();
    const std::string huge(3 * kMax, 'h');
    IOLog("%s\nshort after\n", huge.c_str());
    auto lines = textsSince(global, start);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], std::string(kMax, 'h') + "\u2026");
    EXPECT_EQ(lines[1], "short after");
}

TEST(LogRing, WaitForReturnsWhenALineExists)
{
    iolab::LogRing ring(16);
    EXPECT_FALSE(ring.waitFor(0, 1ms)) << "nothing logged yet";
    ring.append("present");
    EXPECT_TRUE(ring.waitFor(0, 0ms)) << "a line that exists needs no waiting";
    EXPECT_FALSE(ring.waitFor(1, 1ms));

    // A writer on another thread wakes a waiting reader.
    std::thread writer([&] { ring.append("from another thread"); });
    EXPECT_TRUE(ring.waitFor(1, 10s));
    writer.join();
    EXPECT_EQ(textsSince(ring, 1), (std::vector<std::string>{"from another thread"}));
}

TEST(LogRing, ConcurrentWritersKeepEverySequenceOnce)
{
    constexpr int kThreads = 4;
    constexpr int kLines = 500;
    iolab::LogRing ring(kThreads * kLines);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([&ring, t] {
            for (int i = 0; i < kLines; ++i)
                ring.append("t" + std::to_string(t) + " " + std::to_string(i));
        });
    }
    for (auto& writer : writers)
        writer.join();
    EXPECT_EQ(ring.dropped(), 0u);
    auto batch = ring.read(0);
    ASSERT_EQ(batch.lines.size(), static_cast<size_t>(kThreads * kLines));
    std::vector<int> nextPerThread(kThreads, 0);
    for (size_t i = 0; i < batch.lines.size(); ++i) {
        EXPECT_EQ(batch.lines[i].sequence, i);
        int thread = -1;
        int index = -1;
        ASSERT_EQ(std::sscanf(batch.lines[i].text.c_str(), "t%d %d", &thread, &index), 2);
        ASSERT_GE(thread, 0);
        ASSERT_LT(thread, kThreads);
        EXPECT_EQ(index, nextPerThread[thread]++) << "each writer's lines stay in its order";
    }
}
