// SPDX-License-Identifier: GPL-2.0-or-later
// The trace: what happens in the runtime, recorded at almost no cost.
//
// Recording (any thread, lock-free): each thread writes fixed-size records
// into its own single-producer ring, with an optional side ring for payload
// bytes. A full ring drops the record and counts the drop; no loss is silent.
// Collecting (the iolab:trace thread): rings are drained every millisecond into
// a bounded store (oldest dropped and counted when full) and handed to
// subscribers in batches. Timestamps are TSC ticks, converted to nanoseconds on
// the CLOCK_MONOTONIC scale when collected.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace iolab::trace {

enum class Kind : uint16_t {
    Log = 1,             ///< an IOLog line (payload: the text)
    ContextViolation,    ///< a call not allowed in this context (payload: the call)
    WorkLoopBegin,       ///< an event source's action starts on a work loop (arg0: source kind)
    WorkLoopEnd,
    GateBegin,           ///< runAction on a command gate (arg0: depth)
    GateEnd,
    TimerFired,          ///< arg0: deadline ns, arg1: lateness ns
    InterruptRaised,     ///< arg0: vector
    InterruptFiltered,   ///< arg0: vector, arg1: filter result, arg2: latency ns since raise
    InterruptDispatched, ///< arg0: vector, arg1: count, arg2: latency ns since raise
    ServiceAttach,       ///< arg0: provider id
    ServiceProbe,        ///< arg0: provider id, arg1: score
    ServiceStart,        ///< arg0: provider id, arg1: result
    ServiceStop,         ///< arg0: provider id
    ServiceTerminate,
    MatchingBegin,
    MatchingEnd,         ///< arg0: drivers started
    ConfigRead,          ///< arg0: offset, arg1: width, arg2: value
    ConfigWrite,
    MMIORead,            ///< arg0: BAR, arg1: offset, arg2: width, arg3: value
    MMIOWrite,
    DMATransfer,         ///< arg0: bytes, arg1: segments, arg2: direction
    IOMMUFault,          ///< arg0: address
    KextLoad,
    KextUnload,
    Custom,
};

const char* kindName(Kind kind);

/// One record as the recorder writes it (64 bytes).
struct Record {
    uint64_t ticks;
    uint64_t registryID;
    uint64_t args[4];
    uint32_t threadID;
    uint16_t kind;
    uint16_t payloadLength;
    uint32_t payloadOffset;
    uint32_t reserved;
};
static_assert(sizeof(Record) == 64);

/// A collected event.
struct Event {
    uint64_t sequence = 0;
    uint64_t timeNs = 0;
    uint64_t registryID = 0;
    uint64_t args[4] = {};
    uint32_t threadID = 0;
    Kind kind = Kind::Custom;
    std::string payload;
};

enum class Payload { None, Copy };

/// Whether recording is on (it is by default).
bool enabled();
void setEnabled(bool on);

/// Records one event from the calling thread. Cheap: a thread-local lookup, a
/// TSC read and a 64-byte store.
void record(Kind kind, uint64_t registryID, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0);
/// Records with payload bytes (copied into the thread's side ring, cut at 4 KiB).
void recordWithPayload(Kind kind, uint64_t registryID, std::span<const uint8_t> payload, uint64_t a0 = 0,
                       uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0);
void recordText(Kind kind, uint64_t registryID, std::string_view text, uint64_t a0 = 0);

/// Current TSC-based timestamp converted to nanoseconds (CLOCK_MONOTONIC scale).
uint64_t nowNs();

struct Statistics {
    uint64_t recorded = 0;     ///< records written into thread rings
    uint64_t collected = 0;    ///< records moved to the store
    uint64_t droppedRing = 0;  ///< records lost because a thread ring was full
    uint64_t droppedStore = 0; ///< collected records pushed out of the full store
    uint64_t droppedPayload = 0; ///< payloads lost because a side ring was full (the record is kept)
};
Statistics statistics();

/// Starts the iolab:trace collector thread (once per process; it drains every millisecond).
void startCollector();

/// Drains every thread ring now (on the caller's thread) instead of waiting for
/// the collector's next round. Used by tests and exporters.
void flush();

/// Collected events with sequence ≥ `from`, oldest first, at most `max`.
struct Batch {
    std::vector<Event> events;
    uint64_t next = 0;
    uint64_t missed = 0; ///< events that left the store before they were read
};
Batch read(uint64_t from, size_t max = SIZE_MAX);

/// Calls `callback` on the collector thread with every new batch until the
/// returned handle is destroyed.
using Subscriber = std::function<void(const std::vector<Event>&)>;
std::shared_ptr<void> subscribe(Subscriber callback);

/// Store capacity in events (default 1,048,576).
void setStoreCapacity(size_t events);
/// Ring capacity in records for threads that start recording afterwards (default 16,384).
void setThreadRingCapacity(size_t records);
/// Discards the store (statistics continue).
void clearStore();

/// Chrome trace JSON (opens in Perfetto and chrome://tracing): begin/end kinds
/// become B/E slices, the others instant events, with the registry ID and
/// arguments in "args".
std::string exportChromeJSON(const std::vector<Event>& events);

} // namespace iolab::trace
