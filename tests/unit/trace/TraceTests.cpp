// SPDX-License-Identifier: GPL-2.0-or-later
// The trace: per-thread rings, the collector and the store. Every record made
// is either collected or counted as dropped; payloads round-trip; a full store
// says how much a late reader missed (DESIGN §3 "Trace and log").
//
// The trace is process-wide, and these tests may run in one process or one per
// test, so each works from a baseline (statistics and sequence numbers taken
// after a flush) and picks out its own records by a tag in their arguments.
#include <iolab/Trace.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <sys/syscall.h>
#include <vector>

namespace trace = iolab::trace;

namespace {

constexpr size_t kDefaultRingCapacity = 16384;
constexpr size_t kDefaultStoreCapacity = size_t(1) << 20;

/// A tag no other test or runtime record uses, in args[3] of our records.
uint64_t uniqueTag()
{
    static std::atomic<uint64_t> next{0x7e57'0000'0000'0000ull};
    return next.fetch_add(0x1'0000'0000ull);
}

/// The sequence number the next collected event will get (after a flush, the
/// store has handed out exactly `collected` numbers).
uint64_t nextSequence()
{
    trace::flush();
    return trace::statistics().collected;
}

std::vector<trace::Event> eventsTagged(uint64_t from, uint64_t tag, uint64_t* missed = nullptr)
{
    trace::flush();
    trace::Batch batch = trace::read(from);
    if (missed)
        *missed = batch.missed;
    std::vector<trace::Event> mine;
    for (trace::Event& event : batch.events) {
        if (event.args[3] == tag)
            mine.push_back(std::move(event));
    }
    return mine;
}

uint32_t linuxThreadID()
{
    return static_cast<uint32_t>(::syscall(SYS_gettid));
}

class TraceTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        trace::setEnabled(true);
        trace::setThreadRingCapacity(kDefaultRingCapacity);
        trace::setStoreCapacity(kDefaultStoreCapacity);
    }
    void TearDown() override
    {
        trace::setThreadRingCapacity(kDefaultRingCapacity);
        trace::setStoreCapacity(kDefaultStoreCapacity);
        trace::setEnabled(true);
    }
};

} // namespace

// Records made on several threads at once all arrive, with their kind,
// registry ID and arguments, in each thread's order.
TEST_F(TraceTest, RecordsFromSeveralThreadsAllArrive)
{
    constexpr int kThreads = 4;
    constexpr uint64_t kPerThread = 3000;
    const uint64_t tag = uniqueTag();
    const uint64_t from = nextSequence();
    const trace::Statistics before = trace::statistics();

    std::mutex subscribedMutex;
    std::vector<trace::Event> subscribed;
    auto subscription = trace::subscribe([&](const std::vector<trace::Event>& batch) {
        std::lock_guard lock(subscribedMutex);
        for (const trace::Event& event : batch) {
            if (event.args[3] == tag)
                subscribed.push_back(event);
        }
    });

    uint32_t tids[kThreads] = {};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            tids[t] = linuxThreadID();
            for (uint64_t i = 0; i < kPerThread; ++i) {
                const auto kind = i % 2 ? trace::Kind::MMIORead : trace::Kind::ConfigWrite;
                trace::record(kind, 0x1000 + t, t, i, i * 3, tag);
            }
        });
    }
    for (auto& thread : threads)
        thread.join();

    const std::vector<trace::Event> events = eventsTagged(from, tag);
    ASSERT_EQ(events.size(), kThreads * kPerThread);
    std::map<uint32_t, uint64_t> nextIndex;
    std::map<uint32_t, uint64_t> lastTime;
    uint64_t lastSequence = 0;
    for (size_t n = 0; n < events.size(); ++n) {
        const trace::Event& event = events[n];
        const uint64_t t = event.args[0];
        ASSERT_LT(t, static_cast<uint64_t>(kThreads));
        EXPECT_EQ(event.registryID, 0x1000 + t);
        EXPECT_EQ(event.threadID, tids[t]) << "the thread that recorded it";
        const uint64_t i = event.args[1];
        EXPECT_EQ(i, nextIndex[event.threadID]++) << "thread " << t << " out of order";
        EXPECT_EQ(event.args[2], i * 3);
        EXPECT_EQ(event.kind, i % 2 ? trace::Kind::MMIORead : trace::Kind::ConfigWrite);
        EXPECT_GE(event.timeNs, lastTime[event.threadID]) << "time goes back on thread " << t;
        lastTime[event.threadID] = event.timeNs;
        if (n) {
            EXPECT_GT(event.sequence, lastSequence);
        }
        lastSequence = event.sequence;
    }
    for (int t = 0; t < kThreads; ++t)
        EXPECT_EQ(nextIndex[tids[t]], kPerThread);

    const trace::Statistics after = trace::statistics();
    EXPECT_EQ(after.droppedRing, before.droppedRing);
    EXPECT_GE(after.recorded - before.recorded, kThreads * kPerThread);
    EXPECT_EQ(after.recorded - before.recorded, after.collected - before.collected)
        << "after a flush, everything recorded has been collected";

    // The subscriber saw the same records, each once (flush() delivered the rest).
    std::lock_guard lock(subscribedMutex);
    EXPECT_EQ(subscribed.size(), events.size());
    subscription.reset();
}

// With a tiny ring that overflows, every lost record is counted: what the
// thread recorded equals what was collected plus what was dropped.
TEST_F(TraceTest, RingOverflowCountsEveryDrop)
{
    constexpr uint64_t kRecords = 5000;
    const uint64_t tag = uniqueTag();
    const uint64_t from = nextSequence();
    const trace::Statistics before = trace::statistics();

    trace::setThreadRingCapacity(8); // for threads that start recording from now on
    std::thread tiny([&] {
        for (uint64_t i = 0; i < kRecords; ++i)
            trace::record(trace::Kind::Custom, 7, i, 0, 0, tag);
    });
    tiny.join();
    trace::setThreadRingCapacity(kDefaultRingCapacity);

    const std::vector<trace::Event> kept = eventsTagged(from, tag);
    const trace::Statistics after = trace::statistics();
    const uint64_t dropped = after.droppedRing - before.droppedRing;
    const uint64_t collected = after.collected - before.collected;
    EXPECT_GT(dropped, 0u) << "an 8-record ring must overflow";
    EXPECT_LT(kept.size(), kRecords);
    EXPECT_EQ(kept.size() + dropped, kRecords) << "a record was lost without being counted";
    EXPECT_EQ(collected, kept.size());
    EXPECT_EQ(after.recorded - before.recorded, collected);
    // What was kept is in order.
    for (size_t n = 1; n < kept.size(); ++n)
        EXPECT_LT(kept[n - 1].args[0], kept[n].args[0]);
    // The exited thread's ring is retired, but its drops stay counted.
    EXPECT_EQ(trace::statistics().droppedRing, after.droppedRing);
}

// A ring that is drained often enough loses nothing, however much passes through it.
TEST_F(TraceTest, DrainedRingLosesNothing)
{
    constexpr uint64_t kRounds = 200;
    constexpr uint64_t kPerRound = 6; // less than the ring holds
    const uint64_t tag = uniqueTag();
    const uint64_t from = nextSequence();
    const trace::Statistics before = trace::statistics();
    trace::setThreadRingCapacity(8);
    std::thread small([&] {
        for (uint64_t round = 0; round < kRounds; ++round) {
            for (uint64_t i = 0; i < kPerRound; ++i)
                trace::record(trace::Kind::Custom, 8, round * kPerRound + i, 0, 0, tag);
            trace::flush();
        }
    });
    small.join();
    trace::setThreadRingCapacity(kDefaultRingCapacity);
    EXPECT_EQ(eventsTagged(from, tag).size(), kRounds * kPerRound);
    EXPECT_EQ(trace::statistics().droppedRing, before.droppedRing);
}

// Payload bytes round-trip: text (UTF-8 included), binary, and a long payload
// cut at 4 KiB; and the side ring keeps working after it has wrapped many times.
TEST_F(TraceTest, PayloadsRoundTrip)
{
    const uint64_t tag = uniqueTag();
    const uint64_t from = nextSequence();
    const std::string text = "IOLog: edu@sim0:04.0 \xC3\xA9t\xC3\xA9 \xE2\x9C\x93\ttab";
    const std::vector<uint8_t> binary = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x00, 0x42};
    const std::string longText(5000, 'x');
    std::thread writer([&] {
        trace::recordText(trace::Kind::Log, 11, text, 0);
        trace::recordWithPayload(trace::Kind::DMATransfer, 12, binary, 1, 0, 0, tag);
        trace::recordText(trace::Kind::Log, 13, longText, 2);
        trace::recordText(trace::Kind::Log, 14, "", 3);
    });
    writer.join();
    trace::flush();
    std::vector<trace::Event> events;
    for (trace::Event& event : trace::read(from).events) {
        if (event.registryID >= 11 && event.registryID <= 14)
            events.push_back(std::move(event));
    }
    ASSERT_EQ(events.size(), 4u);
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.registryID < b.registryID; });
    EXPECT_EQ(events[0].kind, trace::Kind::Log);
    EXPECT_EQ(events[0].payload, text);
    EXPECT_EQ(events[1].payload, std::string(binary.begin(), binary.end()));
    EXPECT_EQ(events[1].args[0], 1u);
    EXPECT_EQ(events[2].payload, longText.substr(0, 4096)) << "payloads are cut at 4 KiB";
    EXPECT_TRUE(events[3].payload.empty());

    // Far more payload than the 64 KiB side ring holds, drained as it goes:
    // every payload must arrive intact, also after the ring has wrapped.
    const trace::Statistics before = trace::statistics();
    const uint64_t from2 = nextSequence();
    constexpr int kPayloads = 400;
    std::thread chatty([&] {
        for (int i = 0; i < kPayloads; ++i) {
            std::string line = "line " + std::to_string(i) + " " + std::string(1000 + (i * 37) % 3000, char('a' + i % 26));
            trace::recordText(trace::Kind::Log, 15, line, static_cast<uint64_t>(i));
            if (i % 8 == 7)
                trace::flush();
        }
    });
    chatty.join();
    trace::flush();
    int seen = 0, wrong = 0, firstWrong = -1;
    for (const trace::Event& event : trace::read(from2).events) {
        if (event.registryID != 15)
            continue;
        const int i = static_cast<int>(event.args[0]);
        const std::string expected =
            "line " + std::to_string(i) + " " + std::string(1000 + (i * 37) % 3000, char('a' + i % 26));
        if (event.payload != expected && wrong++ == 0)
            firstWrong = i;
        ++seen;
    }
    EXPECT_EQ(seen, kPayloads);
    EXPECT_EQ(wrong, 0) << "payloads lost or damaged, the first at " << firstWrong;
    EXPECT_EQ(trace::statistics().droppedPayload, before.droppedPayload) << "payloads were dropped from a drained ring";
}

// A side ring that is not drained drops payloads (counted), but keeps the records.
TEST_F(TraceTest, PayloadOverflowIsCounted)
{
    const uint64_t tag = uniqueTag();
    const uint64_t from = nextSequence();
    const trace::Statistics before = trace::statistics();
    constexpr int kPayloads = 40; // 40 × 4 KiB: more than the 64 KiB side ring
    std::thread writer([&] {
        const std::string big(4096, 'p');
        for (int i = 0; i < kPayloads; ++i)
            trace::recordText(trace::Kind::Custom, 16, big, static_cast<uint64_t>(i));
        trace::record(trace::Kind::Custom, 16, 0, 0, 0, tag);
    });
    writer.join();
    trace::flush();
    int records = 0, withPayload = 0;
    for (const trace::Event& event : trace::read(from).events) {
        if (event.registryID != 16 || event.args[3] == tag)
            continue;
        ++records;
        if (!event.payload.empty()) {
            EXPECT_EQ(event.payload.size(), 4096u);
            ++withPayload;
        }
    }
    const uint64_t droppedPayloads = trace::statistics().droppedPayload - before.droppedPayload;
    EXPECT_EQ(records, kPayloads) << "a dropped payload keeps its record";
    EXPECT_EQ(static_cast<uint64_t>(records - withPayload), droppedPayloads);
    EXPECT_EQ(trace::statistics().droppedRing, before.droppedRing);
}

// When the store is full the oldest events go, counted, and a reader that
// comes late is told how many it missed.
TEST_F(TraceTest, StoreOverflowCountsAndReportsMissed)
{
    constexpr uint64_t kCapacity = 100;
    constexpr uint64_t kRecords = 250;
    const uint64_t tag = uniqueTag();
    trace::setStoreCapacity(kCapacity);
    const uint64_t from = nextSequence();
    const trace::Statistics before = trace::statistics();
    const uint64_t alreadyStored = trace::read(0).events.size();
    ASSERT_LE(alreadyStored, kCapacity);

    std::thread writer([&] {
        for (uint64_t i = 0; i < kRecords; ++i)
            trace::record(trace::Kind::Custom, 17, i, 0, 0, tag);
    });
    writer.join();
    trace::flush();
    const trace::Statistics after = trace::statistics();
    EXPECT_EQ(after.collected - before.collected, kRecords);
    EXPECT_EQ(after.droppedStore - before.droppedStore, alreadyStored + kRecords - kCapacity);

    trace::Batch batch = trace::read(from);
    EXPECT_EQ(batch.missed, kRecords - kCapacity);
    ASSERT_EQ(batch.events.size(), kCapacity);
    EXPECT_EQ(batch.events.front().sequence, from + kRecords - kCapacity);
    EXPECT_EQ(batch.events.front().args[0], kRecords - kCapacity) << "the newest events are the ones kept";
    EXPECT_EQ(batch.events.back().args[0], kRecords - 1);
    EXPECT_EQ(batch.next, from + kRecords);

    // Reading on from `next` gives nothing new and misses nothing.
    trace::Batch rest = trace::read(batch.next);
    EXPECT_TRUE(rest.events.empty());
    EXPECT_EQ(rest.missed, 0u);

    // A bounded read returns at most `max`, and `next` continues where it stopped.
    trace::Batch part = trace::read(from + kRecords - 10, 4);
    ASSERT_EQ(part.events.size(), 4u);
    EXPECT_EQ(part.next, from + kRecords - 6);
    EXPECT_EQ(part.events[0].args[0], kRecords - 10);

    // Shrinking the store drops (and counts) the oldest at once.
    trace::setStoreCapacity(10);
    EXPECT_EQ(trace::statistics().droppedStore - after.droppedStore, kCapacity - 10);
    EXPECT_EQ(trace::read(from).missed, kRecords - 10);

    // clearStore empties it; later readers are told they missed what was there.
    trace::clearStore();
    EXPECT_TRUE(trace::read(from).events.empty());
    EXPECT_EQ(trace::read(from).missed, kRecords);
}

// Recording can be switched off; nothing is recorded or counted meanwhile.
TEST_F(TraceTest, DisabledRecordsNothing)
{
    const uint64_t tag = uniqueTag();
    const uint64_t from = nextSequence();
    std::thread writer([&] {
        trace::setEnabled(false);
        for (int i = 0; i < 100; ++i)
            trace::record(trace::Kind::Custom, 18, i, 0, 0, tag);
        trace::recordText(trace::Kind::Log, 18, "not recorded", 0);
        trace::setEnabled(true);
        trace::record(trace::Kind::Custom, 18, 100, 0, 0, tag);
    });
    writer.join();
    const std::vector<trace::Event> events = eventsTagged(from, tag);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].args[0], 100u);
}

// Timestamps are on the CLOCK_MONOTONIC scale.
TEST_F(TraceTest, TimestampsAreMonotonicNanoseconds)
{
    const uint64_t tag = uniqueTag();
    const uint64_t from = nextSequence();
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const uint64_t before = uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
    trace::record(trace::Kind::Custom, 19, 0, 0, 0, tag);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const uint64_t after = uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
    const std::vector<trace::Event> events = eventsTagged(from, tag);
    ASSERT_EQ(events.size(), 1u);
    // The TSC is calibrated against CLOCK_MONOTONIC: allow a little slack.
    constexpr uint64_t kSlack = 2'000'000;
    EXPECT_GE(events[0].timeNs + kSlack, before);
    EXPECT_LE(events[0].timeNs, after + kSlack);
    EXPECT_STREQ(trace::kindName(trace::Kind::TimerFired), "TimerFired");
}
