// SPDX-License-Identifier: GPL-2.0-or-later
// Per-thread rings, the collector, the store and the exporters.
// Threads: recording on any thread (lock-free, single producer per ring);
// draining under m_drainMutex (the collector thread, or a flush() caller);
// the ring list under m_ringsMutex; the store under m_storeMutex.
#include <iolab/Trace.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <ctime>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace iolab::trace {

namespace {

uint64_t monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000000ull + static_cast<uint64_t>(now.tv_nsec);
}

inline uint64_t ticksNow()
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return monotonicNs();
#endif
}

constexpr size_t kPayloadRingBytes = 64 * 1024;
constexpr size_t kMaxPayload = 4096;

size_t roundUpPowerOfTwo(size_t value)
{
    size_t result = 1;
    while (result < value)
        result <<= 1;
    return result;
}

struct ThreadRing {
    explicit ThreadRing(size_t capacity)
        : records(new Record[capacity]), mask(capacity - 1), payload(new uint8_t[kPayloadRingBytes]),
          threadID(static_cast<uint32_t>(::syscall(SYS_gettid)))
    {
    }
    std::unique_ptr<Record[]> records;
    const size_t mask;
    std::unique_ptr<uint8_t[]> payload;
    const uint32_t threadID;
    // Producer side.
    alignas(64) std::atomic<uint64_t> head{0};
    uint64_t cachedTail = 0;
    std::atomic<uint64_t> droppedRecords{0};
    std::atomic<uint64_t> droppedPayloads{0};
    uint64_t payloadHead = 0;     // producer-only
    uint64_t cachedPayloadTail = 0;
    // Consumer side.
    alignas(64) std::atomic<uint64_t> tail{0};
    std::atomic<uint64_t> payloadTail{0};
    std::atomic<bool> alive{true};
};

class Tracer {
public:
    static Tracer& instance()
    {
        static Tracer* tracer = new Tracer; // lives as long as the process: threads may record at exit
        return *tracer;
    }

    std::atomic<bool> enabled{true};
    std::atomic<size_t> ringCapacity{16384};

    ThreadRing* attachThread()
    {
        auto ring = std::make_shared<ThreadRing>(roundUpPowerOfTwo(ringCapacity.load()));
        std::lock_guard lock(m_ringsMutex);
        m_rings.push_back(ring);
        return ring.get();
    }

    uint64_t toNs(uint64_t ticks) const
    {
        const double ns = m_baseNs + (static_cast<double>(ticks) - static_cast<double>(m_baseTicks)) / m_ticksPerNs;
        return ns > 0 ? static_cast<uint64_t>(ns) : 0;
    }

    void drain()
    {
        std::lock_guard drainLock(m_drainMutex);
        std::vector<std::shared_ptr<ThreadRing>> rings;
        {
            std::lock_guard lock(m_ringsMutex);
            rings = m_rings;
        }
        std::vector<Event> batch;
        for (const auto& ring : rings) {
            const uint64_t head = ring->head.load(std::memory_order_acquire);
            uint64_t tail = ring->tail.load(std::memory_order_relaxed);
            for (; tail < head; ++tail) {
                const Record& record = ring->records[tail & ring->mask];
                Event event;
                event.timeNs = toNs(record.ticks);
                event.registryID = record.registryID;
                std::memcpy(event.args, record.args, sizeof event.args);
                event.threadID = record.threadID;
                event.kind = static_cast<Kind>(record.kind);
                if (record.payloadLength) {
                    event.payload.resize(record.payloadLength);
                    for (size_t i = 0; i < record.payloadLength; ++i)
                        event.payload[i] = static_cast<char>(ring->payload[(record.payloadOffset + i) % kPayloadRingBytes]);
                    // The tail counts bytes consumed since the thread started, as the
                    // producer's head does (payloadOffset is only the position in the
                    // ring); payloads are consumed in the order they were written.
                    ring->payloadTail.store(ring->payloadTail.load(std::memory_order_relaxed) + record.payloadLength,
                                            std::memory_order_release);
                }
                batch.push_back(std::move(event));
            }
            ring->tail.store(tail, std::memory_order_release);
        }
        {
            // Rings of exited threads go once drained; their counts stay in the statistics.
            std::lock_guard lock(m_ringsMutex);
            std::erase_if(m_rings, [this](const auto& ring) {
                if (ring->alive.load() || ring->tail.load() != ring->head.load())
                    return false;
                m_retiredRecorded += ring->head.load();
                m_retiredDropped += ring->droppedRecords.load();
                m_retiredDroppedPayload += ring->droppedPayloads.load();
                return true;
            });
        }
        if (batch.empty())
            return;
        std::stable_sort(batch.begin(), batch.end(), [](const Event& a, const Event& b) { return a.timeNs < b.timeNs; });
        std::vector<std::shared_ptr<Subscriber>> subscribers;
        {
            std::lock_guard lock(m_storeMutex);
            for (Event& event : batch) {
                event.sequence = m_nextSequence++;
                m_store.push_back(event);
            }
            m_collected += batch.size();
            while (m_store.size() > m_storeCapacity) {
                m_store.pop_front();
                ++m_droppedStore;
            }
            subscribers = m_subscribers;
        }
        for (const auto& subscriber : subscribers)
            (*subscriber)(batch);
    }

    Statistics statistics()
    {
        Statistics stats;
        {
            std::lock_guard lock(m_ringsMutex);
            for (const auto& ring : m_rings) {
                stats.recorded += ring->head.load();
                stats.droppedRing += ring->droppedRecords.load();
                stats.droppedPayload += ring->droppedPayloads.load();
            }
            stats.recorded += m_retiredRecorded;
            stats.droppedRing += m_retiredDropped;
            stats.droppedPayload += m_retiredDroppedPayload;
        }
        std::lock_guard lock(m_storeMutex);
        stats.collected = m_collected;
        stats.droppedStore = m_droppedStore;
        return stats;
    }

    Batch read(uint64_t from, size_t max)
    {
        Batch batch;
        std::lock_guard lock(m_storeMutex);
        const uint64_t oldest = m_store.empty() ? m_nextSequence : m_store.front().sequence;
        if (from < oldest) {
            batch.missed = oldest - from;
            from = oldest;
        }
        for (uint64_t sequence = from; sequence < m_nextSequence && batch.events.size() < max; ++sequence)
            batch.events.push_back(m_store[sequence - oldest]);
        batch.next = from + batch.events.size();
        return batch;
    }

    std::shared_ptr<void> subscribe(Subscriber callback)
    {
        auto shared = std::make_shared<Subscriber>(std::move(callback));
        {
            std::lock_guard lock(m_storeMutex);
            m_subscribers.push_back(shared);
        }
        return std::shared_ptr<void>(new int(0), [this, shared](int* token) {
            delete token;
            std::lock_guard lock(m_storeMutex);
            std::erase(m_subscribers, shared);
        });
    }

    void setStoreCapacity(size_t events)
    {
        std::lock_guard lock(m_storeMutex);
        m_storeCapacity = std::max<size_t>(events, 1);
        while (m_store.size() > m_storeCapacity) {
            m_store.pop_front();
            ++m_droppedStore;
        }
    }

    void clearStore()
    {
        std::lock_guard lock(m_storeMutex);
        m_store.clear();
    }

    /// Starts the collector on first use; it drains every millisecond for the rest of the process.
    void ensureCollector()
    {
        std::call_once(m_collectorStarted, [this] {
            std::thread([this] {
                pthread_setname_np(pthread_self(), "iolab:trace");
                for (;;) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    drain();
                }
            }).detach();
        });
    }

private:
    Tracer()
    {
        // Calibrate TSC ticks against CLOCK_MONOTONIC over a short interval.
        const uint64_t ns0 = monotonicNs(), ticks0 = ticksNow();
        uint64_t ns1 = ns0;
        while (ns1 - ns0 < 2'000'000)
            ns1 = monotonicNs();
        const uint64_t ticks1 = ticksNow();
        m_ticksPerNs = ticks1 > ticks0 ? static_cast<double>(ticks1 - ticks0) / static_cast<double>(ns1 - ns0) : 1.0;
        m_baseNs = static_cast<double>(ns1);
        m_baseTicks = ticks1;
    }

    double m_ticksPerNs = 1.0;
    double m_baseNs = 0;
    uint64_t m_baseTicks = 0;

    std::mutex m_ringsMutex;
    std::vector<std::shared_ptr<ThreadRing>> m_rings;
    uint64_t m_retiredRecorded = 0;
    uint64_t m_retiredDropped = 0;
    uint64_t m_retiredDroppedPayload = 0;
    std::mutex m_drainMutex;
    std::mutex m_storeMutex;
    std::deque<Event> m_store;
    size_t m_storeCapacity = 1 << 20;
    uint64_t m_nextSequence = 0;
    uint64_t m_collected = 0;
    uint64_t m_droppedStore = 0;
    std::vector<std::shared_ptr<Subscriber>> m_subscribers;
    std::once_flag m_collectorStarted;
};

/// The calling thread's ring, made on its first record and retired when it exits.
struct ThreadRingHolder {
    ThreadRing* ring = nullptr;
    ~ThreadRingHolder()
    {
        if (ring)
            ring->alive.store(false);
    }
};
thread_local ThreadRingHolder t_holder;

inline ThreadRing* threadRing()
{
    if (!t_holder.ring)
        t_holder.ring = Tracer::instance().attachThread();
    return t_holder.ring;
}

/// Claims the next record slot, or NULL (and counts a drop) when the ring is full.
inline Record* claim(ThreadRing* ring, uint64_t& head)
{
    head = ring->head.load(std::memory_order_relaxed);
    if (head - ring->cachedTail > ring->mask) {
        ring->cachedTail = ring->tail.load(std::memory_order_acquire);
        if (head - ring->cachedTail > ring->mask) {
            ring->droppedRecords.store(ring->droppedRecords.load(std::memory_order_relaxed) + 1,
                                       std::memory_order_relaxed);
            return nullptr;
        }
    }
    return &ring->records[head & ring->mask];
}

inline void fill(Record* record, Kind kind, uint64_t registryID, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                 uint32_t threadID)
{
    record->ticks = ticksNow();
    record->registryID = registryID;
    record->args[0] = a0;
    record->args[1] = a1;
    record->args[2] = a2;
    record->args[3] = a3;
    record->threadID = threadID;
    record->kind = static_cast<uint16_t>(kind);
    record->payloadLength = 0;
    record->payloadOffset = 0;
}

} // namespace

const char* kindName(Kind kind)
{
    switch (kind) {
    case Kind::Log: return "IOLog";
    case Kind::ContextViolation: return "ContextViolation";
    case Kind::WorkLoopBegin:
    case Kind::WorkLoopEnd: return "WorkLoopAction";
    case Kind::GateBegin:
    case Kind::GateEnd: return "GateAction";
    case Kind::TimerFired: return "TimerFired";
    case Kind::InterruptRaised: return "InterruptRaised";
    case Kind::InterruptFiltered: return "InterruptFiltered";
    case Kind::InterruptDispatched: return "InterruptDispatched";
    case Kind::ServiceAttach: return "attach";
    case Kind::ServiceProbe: return "probe";
    case Kind::ServiceStart: return "start";
    case Kind::ServiceStop: return "stop";
    case Kind::ServiceTerminate: return "terminate";
    case Kind::MatchingBegin:
    case Kind::MatchingEnd: return "matching";
    case Kind::ConfigRead: return "ConfigRead";
    case Kind::ConfigWrite: return "ConfigWrite";
    case Kind::MMIORead: return "MMIORead";
    case Kind::MMIOWrite: return "MMIOWrite";
    case Kind::DMATransfer: return "DMATransfer";
    case Kind::IOMMUFault: return "IOMMUFault";
    case Kind::KextLoad: return "KextLoad";
    case Kind::KextUnload: return "KextUnload";
    case Kind::Custom: return "Custom";
    }
    return "?";
}

bool enabled()
{
    return Tracer::instance().enabled.load(std::memory_order_relaxed);
}

void setEnabled(bool on)
{
    Tracer::instance().enabled.store(on);
}

void record(Kind kind, uint64_t registryID, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    static Tracer& tracer = Tracer::instance();
    if (!tracer.enabled.load(std::memory_order_relaxed))
        return;
    ThreadRing* ring = threadRing();
    uint64_t head;
    if (Record* slot = claim(ring, head)) {
        fill(slot, kind, registryID, a0, a1, a2, a3, ring->threadID);
        ring->head.store(head + 1, std::memory_order_release);
    }
}

void recordWithPayload(Kind kind, uint64_t registryID, std::span<const uint8_t> payload, uint64_t a0, uint64_t a1,
                       uint64_t a2, uint64_t a3)
{
    Tracer& tracer = Tracer::instance();
    if (!tracer.enabled.load(std::memory_order_relaxed))
        return;
    ThreadRing* ring = threadRing();
    uint64_t head;
    Record* slot = claim(ring, head);
    if (!slot)
        return;
    fill(slot, kind, registryID, a0, a1, a2, a3, ring->threadID);
    const size_t length = std::min(payload.size(), kMaxPayload);
    if (length) {
        if (ring->payloadHead + length - ring->cachedPayloadTail > kPayloadRingBytes)
            ring->cachedPayloadTail = ring->payloadTail.load(std::memory_order_acquire);
        if (ring->payloadHead + length - ring->cachedPayloadTail <= kPayloadRingBytes) {
            for (size_t i = 0; i < length; ++i)
                ring->payload[(ring->payloadHead + i) % kPayloadRingBytes] = payload[i];
            slot->payloadOffset = static_cast<uint32_t>(ring->payloadHead % kPayloadRingBytes);
            slot->payloadLength = static_cast<uint16_t>(length);
            ring->payloadHead += length;
        } else {
            ring->droppedPayloads.store(ring->droppedPayloads.load(std::memory_order_relaxed) + 1,
                                        std::memory_order_relaxed);
        }
    }
    ring->head.store(head + 1, std::memory_order_release);
}

void recordText(Kind kind, uint64_t registryID, std::string_view text, uint64_t a0)
{
    recordWithPayload(kind, registryID, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), a0);
}

uint64_t nowNs()
{
    return Tracer::instance().toNs(ticksNow());
}

Statistics statistics()
{
    return Tracer::instance().statistics();
}

void flush()
{
    Tracer::instance().drain();
}

Batch read(uint64_t from, size_t max)
{
    return Tracer::instance().read(from, max);
}

std::shared_ptr<void> subscribe(Subscriber callback)
{
    Tracer::instance().ensureCollector();
    return Tracer::instance().subscribe(std::move(callback));
}

void setStoreCapacity(size_t events)
{
    Tracer::instance().setStoreCapacity(events);
}

void setThreadRingCapacity(size_t records)
{
    Tracer::instance().ringCapacity.store(std::max<size_t>(records, 2));
}

void clearStore()
{
    Tracer::instance().clearStore();
}

void startCollector()
{
    Tracer::instance().ensureCollector();
}

std::string exportChromeJSON(const std::vector<Event>& events)
{
    nlohmann::json trace = nlohmann::json::object();
    nlohmann::json& list = trace["traceEvents"] = nlohmann::json::array();
    list.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 0}, {"args", {{"name", "IOLab"}}}});
    for (const Event& event : events) {
        const char* phase = "i";
        switch (event.kind) {
        case Kind::WorkLoopBegin:
        case Kind::GateBegin:
        case Kind::MatchingBegin: phase = "B"; break;
        case Kind::WorkLoopEnd:
        case Kind::GateEnd:
        case Kind::MatchingEnd: phase = "E"; break;
        default: break;
        }
        char id[24];
        std::snprintf(id, sizeof id, "0x%llx", static_cast<unsigned long long>(event.registryID));
        nlohmann::json args = {{"registryID", id},
                               {"arg0", event.args[0]},
                               {"arg1", event.args[1]},
                               {"arg2", event.args[2]},
                               {"arg3", event.args[3]}};
        if (!event.payload.empty()) {
            // Payloads are text for logs; anything else is shown as hex.
            bool text = std::all_of(event.payload.begin(), event.payload.end(), [](char c) {
                return static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n';
            });
            if (text) {
                args["payload"] = nlohmann::json(event.payload);
            } else {
                std::string hex;
                for (char c : event.payload) {
                    char two[3];
                    std::snprintf(two, sizeof two, "%02x", static_cast<unsigned char>(c));
                    hex += two;
                }
                args["payload"] = hex;
            }
        }
        nlohmann::json entry = {{"name", kindName(event.kind)},
                                {"cat", "iolab"},
                                {"ph", phase},
                                {"ts", static_cast<double>(event.timeNs) / 1000.0},
                                {"pid", 1},
                                {"tid", event.threadID},
                                {"args", std::move(args)}};
        if (phase[0] == 'i')
            entry["s"] = "t";
        list.push_back(std::move(entry));
    }
    trace["displayTimeUnit"] = "ns";
    // Invalid UTF-8 in a payload is replaced rather than failing the export.
    return trace.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace iolab::trace
