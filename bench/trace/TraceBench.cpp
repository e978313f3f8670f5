// SPDX-License-Identifier: GPL-2.0-or-later
// Trace costs. event: the time of one record() on a thread whose ring is
// drained between batches (so no record is dropped), next to the physical
// floor of the same loop storing one relaxed 64-bit value per event.
// throughput: two threads record as fast as they can for a second while the
// collector drains; every record is either collected or counted as dropped.
// Prints "VALUE <key> <number>" lines for bench/suites/trace.sh.
#include <iolab/Trace.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

uint64_t nowNs()
{
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

std::atomic<uint64_t> s_floor{0};

} // namespace

int main(int argc, char** argv)
{
    const unsigned reps = argc > 1 ? static_cast<unsigned>(std::max(5, std::atoi(argv[1]))) : 7;
    using iolab::trace::Kind;
    constexpr unsigned kBatch = 8192; // well inside a 16,384-record ring
    constexpr unsigned kBatches = 200;
    std::vector<double> costs, floors;
    for (unsigned rep = 0; rep < reps; ++rep) {
        uint64_t spent = 0;
        for (unsigned batch = 0; batch < kBatches; ++batch) {
            const uint64_t start = nowNs();
            for (unsigned i = 0; i < kBatch; ++i)
                iolab::trace::record(Kind::Custom, 0x100000100, i, batch);
            spent += nowNs() - start;
            iolab::trace::flush();
            iolab::trace::clearStore();
        }
        costs.push_back(double(spent) / (double(kBatch) * kBatches));
        const uint64_t start = nowNs();
        for (unsigned i = 0; i < kBatch * kBatches; ++i)
            s_floor.store(i, std::memory_order_relaxed);
        floors.push_back(double(nowNs() - start) / (double(kBatch) * kBatches));
    }
    const auto before = iolab::trace::statistics();
    std::printf("record(): %.2f ns per event; relaxed-store floor %.2f ns (medians of %u × %u events)\n", median(costs),
                median(floors), reps, kBatch * kBatches);

    // Sustained: two producers, the collector draining every millisecond.
    iolab::trace::startCollector();
    iolab::trace::setStoreCapacity(1 << 16);
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> produced{0};
    auto producer = [&] {
        uint64_t count = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            for (unsigned i = 0; i < 256; ++i)
                iolab::trace::record(Kind::Custom, 1, count + i);
            count += 256;
        }
        produced.fetch_add(count);
    };
    const uint64_t start = nowNs();
    std::thread a(producer), b(producer);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    stop.store(true);
    a.join();
    b.join();
    const double seconds = double(nowNs() - start) / 1e9;
    iolab::trace::flush();
    const auto after = iolab::trace::statistics();
    const uint64_t recorded = after.recorded - before.recorded;
    const uint64_t collected = after.collected - before.collected;
    const uint64_t dropped = after.droppedRing - before.droppedRing;
    const uint64_t attempted = produced.load();
    const long long unaccounted = static_cast<long long>(attempted) - static_cast<long long>(collected + dropped);
    std::printf("two threads for %.2f s: %llu events attempted, %llu collected (%.1f M/s), %llu dropped and counted, "
                "%lld unaccounted\n",
                seconds, static_cast<unsigned long long>(attempted), static_cast<unsigned long long>(collected),
                double(collected) / seconds / 1e6, static_cast<unsigned long long>(dropped), unaccounted);
    std::printf("VALUE trace.event_ns %.3f\nVALUE trace.floor_ns %.3f\n", median(costs), median(floors));
    std::printf("VALUE trace.events_per_s %.0f\nVALUE trace.attempted_per_s %.0f\nVALUE trace.unaccounted %lld\n",
                double(collected) / seconds, double(attempted) / seconds, unaccounted);
    (void)recorded;
    return unaccounted == 0 ? 0 : 1;
}
