// SPDX-License-Identifier: GPL-2.0-or-later
// The deadlines of armed IOTimerEventSources, on the runtime clock. A thread
// (iolab:timers) waits for the earliest one; on a virtual clock, advance()
// also expires due timers before it returns, so tests are deterministic.
// Expiry marks the timer and wakes its work loop; the action runs there.
// Thread: any; m_mutex guards the queue; timers are retained while queued.
#pragma once

#include <IOKit/IOTimerEventSource.h>
#include <iolab/RuntimeClock.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace iolab {

class TimerService {
public:
    explicit TimerService(RuntimeClock& clock);
    ~TimerService();

    /// The booted runtime's service, or a process-wide one on the real clock.
    static TimerService& current();

    /// Queues `timer` for `deadline` under `generation`, replacing what it had queued.
    void arm(IOTimerEventSource* timer, uint64_t deadline, uint64_t generation);
    /// Removes `timer`'s queued deadline, if any.
    void cancel(IOTimerEventSource* timer);
    size_t armedCount() const;
    RuntimeClock& clock() { return m_clock; }

private:
    struct Entry {
        IOTimerEventSource* timer; // retained
        uint64_t generation;
    };
    void expire(uint64_t now);
    void run();

    RuntimeClock& m_clock;
    std::mutex m_expireMutex; // held across a whole expire(); taken before m_mutex
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::multimap<uint64_t, Entry> m_queue;
    bool m_stopping = false;
    std::shared_ptr<RuntimeClock::Listener> m_listener;
    std::thread m_thread;
};

} // namespace iolab
