// SPDX-License-Identifier: GPL-2.0-or-later
// A simulated interrupt controller: lines (level or edge, shareable like PCI
// INTx pins, or single-owner message-signalled vectors) that device models
// assert. Handlers run in primary-interrupt context, one at a time: on the
// raising thread when it can be interrupted (as a CPU takes an interrupt),
// otherwise on the primary-interrupt thread ("iolab:irq:<name>"), which also
// delivers what was latched while a handler was disabled.
// A handler whose source is disabled does not lose interrupts: an edge is
// latched and delivered on enable; a level line still asserted is delivered
// again on enable. A level line is delivered when it becomes asserted, not
// continuously, so a device that never deasserts cannot livelock the thread.
#pragma once

#include <IOKit/IOInterrupts.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace iolab {

class InterruptController {
public:
    enum class Trigger { Level, Edge };

    explicit InterruptController(std::string name);
    ~InterruptController();
    InterruptController(const InterruptController&) = delete;
    InterruptController& operator=(const InterruptController&) = delete;

    const std::string& name() const { return m_name; }
    /// A new line; message-signalled vectors are edge lines that are not shareable.
    unsigned addLine(Trigger trigger, bool shareable);
    unsigned lineCount() const;
    Trigger trigger(unsigned line) const;

    // --- device side (any thread) --------------------------------------------------
    /// Level: the line becomes asserted (delivered if it was not). Edge: one pulse.
    void assertLine(unsigned line);
    /// Level lines only.
    void deassertLine(unsigned line);
    bool isAsserted(unsigned line) const;

    // --- handler side ------------------------------------------------------------------
    /// Registers a handler, disabled. -1 if the line is out of range, or not
    /// shareable and already taken.
    int attach(unsigned line, IOInterruptAction handler, OSObject* target, void* refCon, IOService* nub, int source);
    void detach(unsigned line, int handlerID);
    void setEnabled(unsigned line, int handlerID, bool enabled);
    bool isEnabled(unsigned line, int handlerID) const;

    /// Whether a raise may run the handlers on the raising thread (the default)
    /// or always goes through the primary-interrupt thread.
    void setInlineDispatch(bool inlineDispatch)
    {
        std::lock_guard lock(m_mutex);
        m_inlineDispatch = inlineDispatch;
    }
    /// Spin on the primary thread for up to `nanoseconds` before sleeping (0: off).
    void setAdaptiveSpin(uint64_t nanoseconds) { m_spinNs.store(nanoseconds); }
    /// Waits until no delivery is queued or running. False on timeout (real time).
    bool waitIdle(uint64_t timeoutNs = UINT64_MAX);

    struct Statistics {
        uint64_t raised = 0;     ///< assertions and pulses
        uint64_t delivered = 0;  ///< handler calls
        uint64_t latched = 0;    ///< raises that found the handler disabled
        uint64_t unclaimed = 0;  ///< raises with no handler registered
    };
    Statistics statistics() const;

private:
    struct Handler {
        int id;
        IOInterruptAction action;
        OSObject* target;
        void* refCon;
        IOService* nub;
        int source;
        bool enabled = false;
        bool pending = false; // edge latched while disabled
    };
    struct Line {
        Trigger trigger;
        bool shareable;
        bool asserted = false;
        std::vector<Handler> handlers;
    };
    struct Delivery {
        unsigned line;
        int handlerID;
        uint64_t raisedNs;
    };
    void queueLocked(unsigned line, uint64_t raisedNs, int onlyHandler, bool dispatchHere);
    void dispatchQueued(std::unique_lock<std::mutex>& lock);
    void run();

    std::string m_name;
    mutable std::mutex m_mutex;
    std::condition_variable m_idle;
    std::vector<Line> m_lines;        // under m_mutex
    std::deque<Delivery> m_queue;     // under m_mutex
    bool m_dispatching = false;       // under m_mutex
    std::thread::id m_dispatchingThread; // under m_mutex
    bool m_inlineDispatch = true;
    bool m_stopping = false;          // under m_mutex
    int m_nextHandlerID = 1;
    std::atomic<uint32_t> m_signal{0};
    std::atomic<uint64_t> m_spinNs{0};
    Statistics m_statistics;          // under m_mutex
    std::thread m_thread;
};

/// One interrupt source of a nub: which controller line it is and its type
/// (kIOInterruptTypeLevel, kIOInterruptTypeEdge, or kIOInterruptTypePCIMessaged).
struct InterruptSource {
    std::shared_ptr<InterruptController> controller;
    unsigned line = 0;
    int type = kIOInterruptTypeLevel;
};

/// Gives `nub` its interrupt sources (index = the `source` drivers pass).
void setInterruptSources(IOService* nub, std::vector<InterruptSource> sources);

} // namespace iolab
