// SPDX-License-Identifier: GPL-2.0-or-later
// Work-loop costs, each next to its peer measured in the same run:
//   gate:      uncontended IOCommandGate::runAction vs std::mutex lock/unlock;
//   interrupt: device raise → filter (primary context) → work-loop action,
//              vs a bare eventfd + epoll handoff between two threads;
//   spin:      the same interrupt path with the loop's adaptive spin on.
// Prints "VALUE <key> <number>" lines for bench/suites/workloop.sh.
#include <IOKit/IOCommandGate.h>
#include <IOKit/IOFilterInterruptEventSource.h>
#include <IOKit/IOWorkLoop.h>
#include <iolab/InterruptController.h>
#include <iolab/Runtime.h>
#include <iolab/Trace.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
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

double percentile(std::vector<uint64_t> values, double p)
{
    std::sort(values.begin(), values.end());
    return static_cast<double>(values[std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())))]);
}

// --- gate -------------------------------------------------------------------------

std::atomic<uint64_t> s_sink{0};

IOReturn noop(OSObject*, void*, void*, void*, void*)
{
    s_sink.fetch_add(1, std::memory_order_relaxed);
    return kIOReturnSuccess;
}

void measureGate(unsigned reps, IOService* owner)
{
    constexpr unsigned kCalls = 2'000'000;
    IOWorkLoop* loop = IOWorkLoop::workLoop();
    IOCommandGate* gate = IOCommandGate::commandGate(owner, noop);
    loop->addEventSource(gate);
    std::vector<double> traced, untraced, mutexes;
    std::mutex mutex;
    uint64_t counter = 0;
    for (unsigned rep = 0; rep < reps; ++rep) {
        uint64_t start = nowNs();
        for (unsigned i = 0; i < kCalls; ++i)
            gate->runAction(noop);
        traced.push_back(double(nowNs() - start) / kCalls);
        iolab::trace::setEnabled(false);
        start = nowNs();
        for (unsigned i = 0; i < kCalls; ++i)
            gate->runAction(noop);
        untraced.push_back(double(nowNs() - start) / kCalls);
        iolab::trace::setEnabled(true);
        start = nowNs();
        for (unsigned i = 0; i < kCalls; ++i) {
            mutex.lock();
            ++counter;
            s_sink.fetch_add(1, std::memory_order_relaxed);
            mutex.unlock();
        }
        mutexes.push_back(double(nowNs() - start) / kCalls);
    }
    std::printf("runAction: %.1f ns traced, %.1f ns untraced; std::mutex lock+unlock: %.1f ns (medians of %u × %u calls)\n",
                median(traced), median(untraced), median(mutexes), reps, kCalls);
    std::printf("VALUE gate.runaction_ns %.2f\nVALUE gate.runaction_untraced_ns %.2f\nVALUE gate.mutex_ns %.2f\n",
                median(traced), median(untraced), median(mutexes));
    loop->removeEventSource(gate);
    gate->release();
    loop->release();
}

// --- interrupt latency --------------------------------------------------------------------

struct Pipeline {
    std::atomic<uint32_t> done{0};
    std::atomic<uint64_t> finishedNs{0};
};
Pipeline s_pipeline;

std::vector<uint64_t> measureInterrupts(unsigned samples, bool spin)
{
    auto controller = std::make_shared<iolab::InterruptController>("bench");
    const unsigned vector = controller->addLine(iolab::InterruptController::Trigger::Edge, false);
    auto* nub = new IOService;
    nub->init();
    iolab::setInterruptSources(nub, {{controller, vector, kIOInterruptTypePCIMessaged}});
    IOWorkLoop* loop = IOWorkLoop::workLoop();
    auto* source = IOFilterInterruptEventSource::filterInterruptEventSource(
        nub,
        [](OSObject*, IOInterruptEventSource*, int) {
            s_pipeline.finishedNs.store(nowNs(), std::memory_order_relaxed);
            s_pipeline.done.fetch_add(1, std::memory_order_release);
            s_pipeline.done.notify_one();
        },
        [](OSObject*, IOFilterInterruptEventSource*) { return true; }, nub, 0);
    loop->addEventSource(source);
    source->enable();
    if (spin) {
        loop->setAdaptiveSpin(200'000);
        controller->setAdaptiveSpin(200'000);
    }
    std::vector<uint64_t> latencies;
    latencies.reserve(samples);
    for (unsigned i = 0; i < samples + 100; ++i) {
        const uint32_t before = s_pipeline.done.load(std::memory_order_acquire);
        const uint64_t raised = nowNs();
        controller->assertLine(vector);
        if (spin) {
            while (s_pipeline.done.load(std::memory_order_acquire) == before) {
            }
        } else {
            s_pipeline.done.wait(before, std::memory_order_acquire);
            while (s_pipeline.done.load(std::memory_order_acquire) == before)
                s_pipeline.done.wait(before, std::memory_order_acquire);
        }
        if (i >= 100) // the first ones warm up caches and the trace rings
            latencies.push_back(s_pipeline.finishedNs.load() - raised);
        if (!spin)
            std::this_thread::sleep_for(std::chrono::microseconds(200)); // let both threads go to sleep
    }
    loop->removeEventSource(source);
    source->release();
    loop->release();
    nub->release();
    return latencies;
}

std::vector<uint64_t> measureEventfd(unsigned samples)
{
    const int event = eventfd(0, EFD_CLOEXEC);
    const int poller = epoll_create1(EPOLL_CLOEXEC);
    epoll_event interest{};
    interest.events = EPOLLIN;
    epoll_ctl(poller, EPOLL_CTL_ADD, event, &interest);
    std::atomic<uint32_t> done{0};
    std::atomic<uint64_t> received{0};
    std::atomic<bool> stop{false};
    std::thread receiver([&] {
        epoll_event ready{};
        while (!stop.load()) {
            if (epoll_wait(poller, &ready, 1, 100) != 1)
                continue;
            uint64_t value;
            if (read(event, &value, sizeof value) != sizeof value)
                continue;
            received.store(nowNs(), std::memory_order_relaxed);
            done.fetch_add(1, std::memory_order_release);
            done.notify_one();
        }
    });
    std::vector<uint64_t> latencies;
    for (unsigned i = 0; i < samples + 100; ++i) {
        const uint32_t before = done.load(std::memory_order_acquire);
        const uint64_t sent = nowNs();
        const uint64_t one = 1;
        [[maybe_unused]] ssize_t written = write(event, &one, sizeof one);
        while (done.load(std::memory_order_acquire) == before)
            done.wait(before, std::memory_order_acquire);
        if (i >= 100)
            latencies.push_back(received.load() - sent);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    stop.store(true);
    receiver.join();
    close(poller);
    close(event);
    return latencies;
}

} // namespace

int main(int argc, char** argv)
{
    const unsigned reps = argc > 1 ? static_cast<unsigned>(std::max(5, std::atoi(argv[1]))) : 7;
    const unsigned samples = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 3000;
    iolab::Runtime runtime;
    runtime.waitQuiet();

    measureGate(reps, runtime.resources());

    // Interleave the two so both see the same machine conditions.
    std::vector<uint64_t> iolab, peer;
    for (unsigned rep = 0; rep < 3; ++rep) {
        auto ours = measureInterrupts(samples / 3, false);
        auto theirs = measureEventfd(samples / 3);
        iolab.insert(iolab.end(), ours.begin(), ours.end());
        peer.insert(peer.end(), theirs.begin(), theirs.end());
    }
    const auto spin = measureInterrupts(samples, true);
    std::printf("interrupt raise → filter → action: p50 %.1f µs, p99 %.1f µs (%zu samples)\n",
                percentile(iolab, 0.5) / 1000, percentile(iolab, 0.99) / 1000, iolab.size());
    std::printf("eventfd + epoll handoff:            p50 %.1f µs, p99 %.1f µs\n", percentile(peer, 0.5) / 1000,
                percentile(peer, 0.99) / 1000);
    std::printf("with adaptive spin:                 p50 %.2f µs, p99 %.2f µs\n", percentile(spin, 0.5) / 1000,
                percentile(spin, 0.99) / 1000);
    std::printf("VALUE interrupt.p50_ns %.0f\nVALUE interrupt.p99_ns %.0f\n", percentile(iolab, 0.5), percentile(iolab, 0.99));
    std::printf("VALUE eventfd.p50_ns %.0f\nVALUE eventfd.p99_ns %.0f\n", percentile(peer, 0.5), percentile(peer, 0.99));
    std::printf("VALUE spin.p50_ns %.0f\n", percentile(spin, 0.5));
    return 0;
}
