// SPDX-License-Identifier: GPL-2.0-or-later
// IOTimerEventSource: a one-shot timer on the runtime clock whose action runs on
// the work loop. Re-arm in the action for periodic work; wakeAtTime gives
// drift-free periods. cancelTimeout is a synchronisation point: once it returns
// the action is not running and will not run for the cancelled timeout.
#pragma once

#include <IOKit/IOEventSource.h>

namespace iolab {
class TimerService;
}

class IOTimerEventSource : public IOEventSource {
    OSDeclareDefaultStructors(IOTimerEventSource)

public:
    typedef void (*Action)(OSObject* owner, IOTimerEventSource* sender);

    static IOTimerEventSource* timerEventSource(OSObject* owner, Action action = nullptr);
    virtual bool init(OSObject* owner, Action action = nullptr);

    virtual IOReturn setTimeoutTicks(UInt32 ticks);
    virtual IOReturn setTimeoutMS(UInt32 ms);
    virtual IOReturn setTimeoutUS(UInt32 us);
    virtual IOReturn setTimeout(UInt32 interval, UInt32 scaleFactor = kNanosecondScale);
    virtual IOReturn setTimeout(AbsoluteTime interval);
    virtual IOReturn wakeAtTimeTicks(UInt32 ticks);
    virtual IOReturn wakeAtTimeMS(UInt32 ms);
    virtual IOReturn wakeAtTimeUS(UInt32 us);
    virtual IOReturn wakeAtTime(UInt32 abstime, UInt32 scaleFactor = kNanosecondScale);
    /// Arms for the absolute runtime-clock time `abstime` (nanoseconds).
    virtual IOReturn wakeAtTime(AbsoluteTime abstime);
    virtual void cancelTimeout();
    void enable() override;
    void disable() override;
    /// The armed deadline (0 when not armed).
    AbsoluteTime deadline() const { return m_deadline.load(); }
    void free() override;

protected:
    bool checkForWork() override;

private:
    friend class iolab::TimerService;
    /// Called by the timer service when a deadline armed under `generation` passes.
    void fire(uint64_t generation, uint64_t deadline, uint64_t now);
    std::atomic<AbsoluteTime> m_deadline{0};
    std::atomic<uint64_t> m_generation{0}; // bumped by every arm and cancel
    std::atomic<uint64_t> m_firedGeneration{0};
    std::atomic<bool> m_fired{false};
};
